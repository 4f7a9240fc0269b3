"""EHC needs assessments and plans with their statutory clock."""
