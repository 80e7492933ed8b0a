"""The spaCy pipeline: note text to a Doc whose spans are muscles, sides, regions, contractures,
ConText modifiers, sections, sentences, ROM values and strength grades (``en_clinical``)."""
