"""The platform's event history: every event on every platform topic and dead-letter topic, archived, searchable
by integration engineers (an LA's engineers see their own LA's events only), every call audited."""
