"""The driver: what gateways and web pages plug into — the gateway interface and the app's one
HTTP server (NoneBot's driver/adapter split)."""
