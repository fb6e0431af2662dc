"""A SID's or STAR's fixes as a filed route flies them, though the plan names no runway.

A procedure is stored per transition: runway transitions (`RW27L`), a common part (''), and
en-route transitions named for the fix where they end (SID) or begin (STAR). Without a runway the
route takes the part every runway transition shares (where they meet), the common part, and the
en-route transition towards the filed route's neighbouring point if there is one.
"""

from dataclasses import dataclass

from app.core.navdata.model import Fix, Procedure, ProcedureKind


@dataclass(frozen=True)
class ProcedureFixes:
    """The fixes flown, in flying order, and what the dispatcher should know of the choice."""

    fixes: list[Fix]
    note: str | None


def procedure_fixes(
    transitions: list[Procedure], kind: ProcedureKind, neighbour: str | None
) -> ProcedureFixes:
    """The fixes of a SID (from the runway out) or STAR (to the runway), with a note when the
    runway part is a guess; `neighbour` is the filed route's point next to the procedure."""
    runways = [t for t in transitions if t.transition.startswith("RW")]
    common = [t for t in transitions if t.transition in ("", "ALL")]
    en_route = [t for t in transitions if t not in runways and t not in common]
    towards = [t for t in en_route if t.transition == neighbour]
    shared: list[Fix] = []
    note = None
    if runways:
        sequences = [list(t.fixes) for t in runways]
        if len(sequences) == 1:
            shared = sequences[0]
        elif kind is ProcedureKind.SID:
            shared = _common_suffix(sequences)
            note = _runway_note(runways, shared[0] if shared else None, "joined", "meet")
        else:
            shared = _common_prefix(sequences)
            note = _runway_note(runways, shared[-1] if shared else None, "left", "part")
    middle = [f for t in common for f in t.fixes]
    outer = [f for t in towards[:1] for f in t.fixes]
    ident = transitions[0].ident
    if kind is ProcedureKind.SID:
        return ProcedureFixes(_joined(shared + middle + outer), note and f"SID {ident}: {note}")
    return ProcedureFixes(_joined(outer + middle + shared), note and f"STAR {ident}: {note}")


def _runway_note(runways: list[Procedure], where: Fix | None, verb: str, meet: str) -> str:
    """What the route does without a runway."""
    names = ", ".join(sorted(t.transition for t in runways))
    if where is None:
        return f"no runway filed and its runway transitions ({names}) share no fix: not flown"
    return (
        f"no runway filed; its runway transitions ({names}) {meet} at {where.ident}, where the "
        f"route is {verb}"
    )


def _common_suffix(sequences: list[list[Fix]]) -> list[Fix]:
    """The fixes every sequence ends with."""
    reversed_prefix = _common_prefix([s[::-1] for s in sequences])
    return reversed_prefix[::-1]


def _common_prefix(sequences: list[list[Fix]]) -> list[Fix]:
    """The fixes every sequence starts with."""
    prefix: list[Fix] = []
    for fixes in zip(*sequences, strict=False):
        if any(f.key != fixes[0].key for f in fixes):
            break
        prefix.append(fixes[0])
    return prefix


def _joined(fixes: list[Fix]) -> list[Fix]:
    """The fixes without a fix repeated where two parts meet."""
    joined: list[Fix] = []
    for fix in fixes:
        if not joined or joined[-1].key != fix.key:
            joined.append(fix)
    return joined
