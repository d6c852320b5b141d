"""Task-worker entry points for bulk 資格確認書 (queue "certificates"). They take ids only,
re-read the state from our tables and are idempotent: running one twice is safe.

Importing this module (EligibilityConfig.ready() does) hands the chunk task to the batch
engine; the services never import it, so nothing imports in a circle."""

from __future__ import annotations

from django.tasks import task
from django.utils import timezone

from eligibility.certificates import batches as certificate_batches


@task(queue_name="certificates")
def run_certificate_chunk(batch_id: int, item_ids: list[int]) -> dict[str, int]:
    # The day the chunk runs is the certificates' 交付年月日.
    return certificate_batches.run_chunk(batch_id, item_ids, today=timezone.localdate()).as_dict()


certificate_batches.KIND.use_tasks(chunk=run_certificate_chunk)
