"""The service as a whole: health, the OpenAPI description fuzzed, Datastore calls, deployment, jobs, messages, the README."""
