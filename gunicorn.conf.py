"""Gunicorn settings shared by the demo, the Docker image and benchmarks.

Gunicorn reads this file from the working directory; command-line options
(bind address, workers) still win.
"""

# Every log line, the access log included, is redacted of key-shaped text.
logger_class = "scoop_byok.gunicorn_logging.RedactingLogger"
# Longer than one AI call may take (AI_CALL_TIMEOUT_S, 60 s by default), so a
# slow provider answer is not cut off by the server.
timeout = 90
worker_class = "gthread"
# No control socket in the home directory: several servers may share a host.
control_socket_disable = True
