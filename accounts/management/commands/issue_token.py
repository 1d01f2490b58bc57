from django.core.management.base import BaseCommand

from accounts.services import token_issue, user_get_or_create


class Command(BaseCommand):
    help = "Create USERNAME if needed and issue an API token; the token is printed alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="default", help="A label for the token (e.g. 'laptop', 'ci').")
        parser.add_argument("--staff", action="store_true", help="Also make the user staff.")

    def handle(self, *args, username: str, name: str, staff: bool, **options):
        user = user_get_or_create(username=username)
        if staff and not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        token, raw = token_issue(user=user, name=name)
        self.stderr.write(f"Issued token {token.prefix!r} named {name!r} for {username}. It is shown only once:")
        self.stdout.write(raw)
