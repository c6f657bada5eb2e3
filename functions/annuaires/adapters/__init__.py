"""What the services reach outside the datastore, behind the ports they declare (services/ports.py): the task queue,
the SMTP relay, the reference's change feed, the secrets box."""
