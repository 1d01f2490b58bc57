.PHONY: run test install schema notebooks lab

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

# Execute the lab notebooks (experiments/00-04) top to bottom into experiments/_executed/.
# The test suite runs the same (tests/experiments/); a notebook that raises fails both.
notebooks:
	.venv/bin/python -m pip install -q -r requirements/notebooks.txt
	.venv/bin/python experiments/run.py

# Open the lab notebooks in JupyterLab (installed on demand: not needed by the tests).
lab:
	.venv/bin/python -m pip install -q -r requirements/lab.txt
	.venv/bin/jupyter lab experiments/
