"""Task-worker entry points for bulk issuing (queue "notices"). They take ids only, re-read
the state from our tables and are idempotent: running one twice, or two at once, is safe."""

from __future__ import annotations

from django.tasks import task

from notices import batches, print_file


@task(queue_name="notices")
def run_chunk_task(batch_id: int, item_ids: list[int]) -> dict[str, int]:
    return batches.run_chunk(batch_id, item_ids).as_dict()


@task(queue_name="notices")
def build_print_file_task(batch_id: int) -> bool:
    return print_file.build_print_file(batch_id)
