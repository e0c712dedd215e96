#!/usr/bin/env python3
"""Check that notebooks are stored clean, for the Rust kernel.

Usage: check_committed.py NOTEBOOK...

A clean notebook is valid nbformat 4, has no outputs and no execution counts,
and names the kernel spec "rust" with language "rust" (evcxr_jupyter's kernel).
Executed copies belong in target/notebooks/, which `make run` writes. Every
problem found is printed; the exit status is 1 when there is any.
"""

import sys
from pathlib import Path

import nbformat

KERNEL_NAME = "rust"
KERNEL_LANGUAGE = "rust"


def notebook_problems(path):
    """Return one message per problem found in the notebook at path."""
    try:
        notebook = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    except Exception as error:  # nbformat raises several types for unreadable or invalid JSON
        return [f"cannot be read as a notebook: {error}"]

    if notebook.nbformat != 4:
        return [f"has nbformat {notebook.nbformat}, expected 4"]
    problems = []
    try:
        nbformat.validate(notebook)
    except nbformat.ValidationError as error:
        problems.append(f"is not a valid notebook: {error.message}")

    kernelspec = notebook.metadata.get("kernelspec", {})
    if kernelspec.get("name") != KERNEL_NAME:
        problems.append(f"metadata.kernelspec.name is {kernelspec.get('name')!r}, expected {KERNEL_NAME!r}")
    if kernelspec.get("language") != KERNEL_LANGUAGE:
        problems.append(
            f"metadata.kernelspec.language is {kernelspec.get('language')!r}, expected {KERNEL_LANGUAGE!r}"
        )

    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        if cell.get("outputs"):
            problems.append(f"cell {index} (counting from 0) has {len(cell.outputs)} output(s)")
        if cell.get("execution_count") is not None:
            problems.append(f"cell {index} (counting from 0) has execution count {cell.execution_count}")
    return problems


def main(paths):
    if not paths:
        print("usage: check_committed.py NOTEBOOK...", file=sys.stderr)
        return 2
    failed = False
    for path in map(Path, paths):
        problems = notebook_problems(path) if path.is_file() else ["not found"]
        for problem in problems:
            print(f"error: {path}: {problem}", file=sys.stderr)
        failed = failed or bool(problems)
    if failed:
        print(
            "Store notebooks without outputs, for example with "
            "`jupyter nbconvert --clear-output --inplace NOTEBOOK`.",
            file=sys.stderr,
        )
        return 1
    print(f"{len(paths)} notebook(s) are clean, for kernel {KERNEL_NAME!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
