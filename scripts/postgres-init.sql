-- Run once by the compose postgres service on an empty data directory:
-- MLflow's backend store lives beside the platform's database.
CREATE DATABASE mlflow OWNER leaders;
