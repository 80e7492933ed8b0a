"""NL4xx and NL5xx: measurements, grades, function and study results."""

from __future__ import annotations

from collections.abc import Iterator

from notelint.rules.registry import Hit, NoteFacts, rule

_LCD = "CMS Pub. 100-02 ch. 15 sec. 220.3 (objective measures and functional limitation)"


@rule("NL401", "rom-not-measured", "warning",
      summary="No range-of-motion measurement in degrees is documented.",
      why="'Limited ROM' is not measurable; payers and auditors expect goniometric degrees "
          "to establish severity and to track change.",
      example="Right hamstring contracture, limited knee extension.",
      quiet="Right hamstring contracture, popliteal angle 60 degrees.",
      fix="Record the degrees: 'knee extension lacks 20 degrees', 'popliteal angle 60°'.",
      reference=_LCD)
def rom_not_measured(facts: NoteFacts) -> Iterator[Hit]:
    # the jaw's range of motion is its interincisal opening in millimetres (RULES.md)
    if facts.evidence["rom"] or facts.evidence.get("jaw_opening"):
        return
    start, end = facts.anchor()
    yield Hit(start, end, "No range of motion is measured in degrees; record the goniometric "
                          "value of the restricted motion.")


@rule("NL402", "strength-not-graded", "info",
      summary="No manual muscle test grade is documented.",
      why="A 0-5 grade documents the weakness that often accompanies a contracture and "
          "supports the plan of care.",
      example="Right hamstring contracture, popliteal angle 60 degrees.",
      quiet="Right hamstring contracture, knee flexion 4-/5.",
      fix="Record manual muscle test grades: 'knee flexion 4-/5'.",
      reference=_LCD)
def strength_not_graded(facts: NoteFacts) -> Iterator[Hit]:
    if facts.evidence["strength"]:
        return
    start, end = facts.anchor()
    yield Hit(start, end, "No manual muscle test grade (0-5, e.g. 4-/5) is documented.")


@rule("NL403", "function-not-documented", "warning",
      summary="No functional or ADL limitation is documented.",
      why="Medical necessity of treatment rests on what the contracture stops the patient "
          "doing: gait, stairs, transfers, dressing, reaching, work tasks.",
      example="Right hamstring contracture, popliteal angle 60 degrees, 4/5 knee flexion.",
      quiet="Right hamstring contracture; difficulty with stairs.",
      fix="Document the limitation: 'crouch gait, difficulty with stairs'.",
      reference=_LCD)
def function_not_documented(facts: NoteFacts) -> Iterator[Hit]:
    if facts.affirmed("function"):
        return
    start, end = facts.anchor()
    yield Hit(start, end, "No functional or ADL limitation (gait, stairs, transfers, dressing, "
                          "reaching, work) is documented.")


@rule("NL501", "study-results-missing", "warning",
      summary="EMG/NCS or imaging is ordered, performed or billed but no findings are "
              "referenced.",
      why="Electrodiagnostic and imaging studies need documented medical necessity; CMS LCD "
          "A54969 lists M62.48 among supporting diagnoses, so the findings must be in the note.",
      example="Right hamstring contracture; EMG of the right hamstrings performed today.",
      quiet="Right hamstring contracture; EMG of the right hamstrings normal, no denervation.",
      fix="Reference the findings: 'EMG showed no denervation'.",
      reference="CPT 95885-95887, 95907-95913; CMS LCD A54969")
def study_results_missing(facts: NoteFacts) -> Iterator[Hit]:
    studies = facts.affirmed("studies")
    resulted = {s["study"] for s in studies if s["findings"] is not None}
    reported: set[str] = set()
    for study in studies:
        if study["study"] in resulted or study["study"] in reported:
            continue
        reported.add(study["study"])
        yield Hit(study["start"], study["end"],
                  f"{study['study']} is {study['state']} but no findings are referenced.")
