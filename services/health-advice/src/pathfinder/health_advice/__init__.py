"""Advice requests to health and their 6-week deadlines."""
