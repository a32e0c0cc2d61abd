"""The closing lines every benchmark prints: each target beside its measured figure."""

from __future__ import annotations


def print_targets(checks: list[tuple[str, bool]]) -> int:
    """Print ``[ok]`` / ``[MISSED]`` per target; return the exit status (1 if any missed)."""
    print("\nTargets")
    for text, ok in checks:
        print(f"  [{'ok' if ok else 'MISSED'}] {text}")
    return 0 if all(ok for _, ok in checks) else 1
