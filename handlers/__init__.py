"""Chat handlers: one router per feature (see dispatcher.py for their order)."""
