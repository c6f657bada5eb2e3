"""What the services reach outside the datastore, behind the ports they declare: the task queue, the SMTP relay, the
secrets box."""
