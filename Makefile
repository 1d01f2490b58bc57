.PHONY: run test install schema

# README command 1: install, bring up web + worker + MLflow on the embedded
# defaults, run the shipped examples and print the URLs.
run:
	scripts/run.sh

# README command 2: install and run the whole test suite (what .ci/run calls).
test:
	scripts/test.sh

install:
	scripts/install.sh dev

# Regenerate the committed OpenAPI schema after changing the API.
schema:
	.venv/bin/python manage.py spectacular --file docs/openapi.yaml --validate
