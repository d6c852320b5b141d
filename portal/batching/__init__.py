"""One engine for every batch of per-member work (お知らせ, 資格確認書).

- models: the abstract batch and item models each app's concrete models extend;
- engine: BatchKind, which starts, chunks, runs, finishes and resumes a batch; each app
  subclasses it with what differs (its models, its per-item work, its finishing step);
- progress: counts, rate and time left, read from the item rows.

This module imports nothing, so that app models can import portal.batching.models cheaply.
"""
