"""The other modules' subcommands, loaded only when one of them runs.

``lianhu --help`` lists them from :data:`EXTENSION_COMMANDS` (name, module, help) without
importing their modules (the classifier's pulls in jieba, the ledger's openpyxl); the module
that registers a command (its ``add_commands(subparsers)``) is imported when argparse hands
that command its arguments, so ``lianhu match --apply`` loads the ledger's module and no other.
"""
from __future__ import annotations

import argparse
from collections.abc import Sequence
from importlib import import_module
from typing import Any

#: (command, module whose ``add_commands`` registers it, help in `lianhu --help`), in that order
EXTENSION_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("classify", "bot.cli.classifier",
     "classify messages: JSON Lines with a text field on stdin, one JSON object per line out"),
    ("eval", "bot.cli.classifier", "measure the classifier on a labelled JSON Lines file"),
    ("learn", "bot.cli.classifier",
     "retrain the learned model (model.json) and the category lexicon (lexicon.json) from labelled "
     "messages (default: dev + holdouts + fresh batches already measured)"),
    ("match", "bot.cli.ledger", "propose member links for unlinked or badly linked households"),
    ("report", "bot.cli.ledger", "the month's ledger figures by community, grid and building"),
    ("doctor", "bot.cli.doctor", "failed messages (inbound and outbound) set aside for staff"),
    ("guide", "bot.cli.guide", "the 办事指南: measure its answers on labelled questions"),
    ("user", "bot.cli.accounts", "web console logins for staff and grid workers"),
)


def registered(module: str, prog: str = "lianhu") -> dict[str, argparse.ArgumentParser]:
    """The subcommands ``module.add_commands`` registers, each with its full parser."""
    holder = argparse.ArgumentParser(prog=prog, add_help=False)
    sub = holder.add_subparsers()
    import_module(module).add_commands(sub)
    return dict(sub.choices)


class LazyParser(argparse.ArgumentParser):
    """The parser of every ``lianhu`` subcommand (``add_subparsers(parser_class=LazyParser)``).
    Given a ``module``, it stands for the parser that module registers until it is used:
    parsing (and ``--help``) import the module and hand over to that parser."""

    def __init__(self, *args: Any, module: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._module = module
        self._real: argparse.ArgumentParser | None = None

    def real(self) -> argparse.ArgumentParser | None:
        if self._real is None and self._module is not None:
            name = self.prog.rsplit(" ", 1)[-1]
            self._real = registered(self._module, self.prog.rsplit(" ", 1)[0])[name]
        return self._real

    def parse_known_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                         namespace: argparse.Namespace | None = None) -> tuple[argparse.Namespace, list[str]]:
        real = self.real()
        if real is None:
            return super().parse_known_args(args, namespace)
        return real.parse_known_args(args, namespace)

    def format_help(self) -> str:
        real = self.real()
        return super().format_help() if real is None else real.format_help()
