"""Background task of the letters (run by `maillage worker`): send a session's letter e-mails.

`letters.queue_letters` writes one `SentNotice` per application in bulk and enqueues this task
once (after commit) instead of one task per e-mail: a main session has thousands of letters."""

from django_tasks import task


@task()
def send_letter_notices(key: str) -> None:
    """Send the queued, unsent e-mails of one session's letters (idempotent: a notice already
    sent or without address is skipped by `deliver_notice`)."""
    from maillage.applications.models import SentNotice
    from maillage.applications.services import deliver_notice

    pending = SentNotice.objects.filter(key=key, sent_at__isnull=True, recipient_missing=False)
    for notice_id in pending.order_by("id").values_list("pk", flat=True).iterator():
        deliver_notice(notice_id)
