"""Components run over a batch of notes at a time (``pipe``), with the same results."""

from __future__ import annotations

from conftest import SAMPLES

from notelint.evidence.extract import extract


def test_every_component_processes_batches(nlp):
    assert all(hasattr(component, "pipe") for _, component in nlp.pipeline)


def test_batches_give_what_one_note_at_a_time_gives(nlp):
    texts = [path.read_text(encoding="utf-8") for path in sorted(SAMPLES.glob("*.txt"))]
    assert len(texts) >= 10
    one_by_one = [extract(nlp(text), text) for text in texts]
    for batch_size in (1, 3, 32):
        batched = [extract(doc, text) for doc, text in zip(nlp.pipe(texts, batch_size=batch_size),
                                                           texts, strict=True)]
        assert batched == one_by_one
