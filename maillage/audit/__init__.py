"""Audit trail. Write to it with `maillage.audit.services.record`."""
