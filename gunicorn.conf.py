"""gunicorn reads this from the working directory: it names no server software or version in
its answers (`Server: gunicorn/<version>` tells an attacker what to look up)."""

import gunicorn.http.wsgi

gunicorn.http.wsgi.SERVER = "Candor"
