"""Task-worker entry points for bulk issuing (queue "notices"; the households' e-mails on
"default"). They take ids only and re-read the state from our tables; the issuing ones are
idempotent: running one twice, or two at once, is safe.

Importing this module (NoticesConfig.ready() does) hands the tasks to the batch engine; the
services never import it, so tasks sit above services and nothing imports in a circle."""

from __future__ import annotations

from django.tasks import task

from notices import services
from notices.batches import print_file
from notices.batches import services as batches
from portal.batching import engine


@task(queue_name="notices")
def run_chunk_task(batch_id: int, item_ids: list[int]) -> dict[str, int]:
    return batches.run_chunk(batch_id, item_ids).as_dict()


@task(queue_name="notices")
def build_print_file_task(batch_id: int) -> bool:
    # Idempotent, so worked again across a database restart, as the chunks are.
    return bool(engine.reconnecting(print_file.build_print_file, batch_id, label="print file"))


@task(queue_name="default")
def notify_households_task(member_ids: list[int]) -> int:
    """The e-mails of a chunk's households, apart from the issuing: a slow mail server must
    not hold up the notices."""
    return services.notify_household(member_ids)


batches.KIND.use_tasks(
    chunk=run_chunk_task, print_file=build_print_file_task, notify=notify_households_task
)
