import os

from django.core.wsgi import get_wsgi_application

from config.startup import prepare_data_dir

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
prepare_data_dir()  # before the apps load: SQLite files need their folder
application = get_wsgi_application()
