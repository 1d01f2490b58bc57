"""The project's ASGI app plus static files from the finders, for the browser tests'
uvicorn (a deployment serves /static/ with WhiteNoise or the proxy)."""

from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

from config.asgi import application as project_application

application = ASGIStaticFilesHandler(project_application)
