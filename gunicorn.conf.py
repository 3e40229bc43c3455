"""gunicorn's settings for clinic-consent in production (README, "Running in production"):

    gunicorn -c gunicorn.conf.py 'clinic_consent:create_app()'

The access log names the path without its query string and without the referrer: a search
such as ``/clients?q=Jansen`` would otherwise write a client's name into every log line of it
(and the referrer of the page after it). Paths carry row ids only. Command-line options
(``--bind``, ``--workers``, ``--access-logfile``) override what is set here.
"""

bind = "127.0.0.1:8000"
workers = 2
accesslog = "-"
errorlog = "-"
loglevel = "info"
# Remote address, time, method, path (no query), protocol, status, bytes, microseconds taken.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(D)s'
