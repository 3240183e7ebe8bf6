"""The driver: what gateways and web pages plug into — the gateway interface (gateway.py), the
port through which a gateway reads the app (port.py) and the app's one HTTP server (server.py)
(NoneBot's driver/adapter split)."""
