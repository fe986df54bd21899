"""The interview's prompts (questionary, arrow keys): a question, a text, a confirmation, a menu,
with the keys that go back to the previous question.

questionary, prompt_toolkit and rich are imported when a :class:`Prompter` is made, never at start-up.
"""

from __future__ import annotations

from typing import Any

from .answers import Answer, as_answer
from .escaping import visible
from .questionnaire_models import Question
from .vocab import DONT_KNOW, DONT_KNOW_LABEL

MAX_TEXT = 5000  # the longest programme name, country or date an answers file accepts
BACK = "\x00back"  # what a prompt returns when the user asks for the previous question
BACK_LABEL = "<- Back to the previous question"
GO_BACK: Answer = (BACK,)  # what Prompter.ask returns then (no choice value looks like it)
KEYS = {
    "multiple": "Space: tick  Enter: confirm  Left or Esc: back  Ctrl-C: stop (answers kept)",
    "single": "Arrows: move  Enter: confirm  Left or Esc: back  Ctrl-C: stop (answers kept)",
}


class Prompter:
    """Asks one question with questionary (arrow keys); Ctrl-C raises KeyboardInterrupt.

    Select and checkbox prompts go back on Left or Esc and list a back entry as well; text
    prompts go back on Esc. Both return :data:`BACK` then.
    """

    def __init__(self) -> None:
        import questionary
        from rich.console import Console

        self.q = questionary
        self.out = Console(highlight=False)

    @property
    def width(self) -> int:
        return max(40, self.out.width)

    def header(self, text: str) -> None:
        from rich.text import Text

        self.out.print(Text(visible(text), style="bold cyan"))

    def note(self, text: str) -> None:
        from rich.text import Text

        self.out.print(Text(visible(text), style="dim"))

    def echo(self, message: str, answer: str) -> None:
        """A question and its answer as it stays on screen (wrapped, never cut)."""
        from rich.text import Text

        self.out.print(
            Text.assemble(("? ", "bold green"), (visible(message), "bold"), " ", (visible(answer), "yellow"))
        )

    def _ask(self, prompt: Any, keys: tuple[str, ...] = ("left", "escape")) -> Any:
        """Run a questionary prompt with the back keys bound; SIGINT from another process (not
        only Ctrl-C typed) interrupts it, as it does a text prompt."""
        from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings
        from prompt_toolkit.keys import Keys

        bindings = KeyBindings()

        @bindings.add(Keys.SIGINT, eager=True)
        def _interrupt(event: Any) -> None:
            event.app.exit(exception=KeyboardInterrupt, style="class:aborting")

        for key in keys:

            @bindings.add(key, eager=key != "escape")
            def _back(event: Any) -> None:
                event.app.exit(result=BACK)

        app = prompt.application
        app.key_bindings = merge_key_bindings([app.key_bindings, bindings])
        # Esc alone acts once no key of a longer sequence follows: prompt_toolkit waits 0.5 s for
        # the rest of an escape sequence, then 1 s for a key binding that starts with Esc (1.5 s
        # in all, a lag users feel). 0.1 s still keeps arrow keys whole over a slow connection.
        app.ttimeoutlen = 0.1
        app.timeoutlen = 0.2
        return prompt.unsafe_ask()

    def text(self, message: str, default: str = "", back: bool = False) -> str:
        prompt = self.q.text(message, default=default)
        answer = self._ask(prompt, ("escape",) if back else ())
        if answer == BACK:
            return BACK
        typed = str(answer or "").strip()[:MAX_TEXT]
        # bytes a terminal sent that are not UTF-8 arrive as lone surrogates, which no file can hold
        return typed.encode("utf-8", "replace").decode("utf-8")

    def confirm(self, message: str, default: bool = True) -> bool:
        return bool(self._ask(self.q.confirm(message, default=default), ()))

    def ask(self, question: Question, current: Answer | None) -> Answer | None:
        Choice = self.q.Choice
        options = [
            Choice(title=visible(c.label, keep=""), value=c.value, description=c.help and visible(c.help, keep=""))
            for c in question.choices
        ]
        if question.allow_dont_know:
            options.append(Choice(title=DONT_KNOW_LABEL, value=DONT_KNOW))
        message = visible(question.text, keep="")
        if question.type == "multiple":
            chosen = set(current or ())
            for option in options:
                option.checked = option.value in chosen
            options.append(Choice(title=BACK_LABEL + " (tick it and press Enter)", value=BACK))

            def check(selection: list[str]) -> bool | str:
                if BACK in selection:
                    return True
                error = question.combination_error(selection)
                if error:
                    return error
                if question.required and not selection:
                    return "Choose at least one (Space to tick, Enter to confirm)"
                return True

            instruction = "(Space to tick, Enter)"
            picked = self._ask(
                self.q.checkbox(
                    wrap_prompt(message, instruction, self.width),
                    choices=options,
                    validate=check,
                    instruction=instruction,
                    erase_when_done=True,
                )
            )
            if picked == BACK or BACK in picked:
                return GO_BACK
            answer = as_answer(str(o.value) for o in options if o.value in picked) or None
        else:
            default = current[0] if current and current[0] in question.values else None
            options.append(Choice(title=BACK_LABEL, value=BACK))
            instruction = "(arrow keys, Enter)"
            chosen = self._ask(
                self.q.select(
                    wrap_prompt(message, instruction, self.width),
                    choices=options,
                    default=default,
                    instruction=instruction,
                    erase_when_done=True,
                )
            )
            if chosen == BACK:
                return GO_BACK
            answer = None if chosen is None else as_answer(str(chosen))
        self.echo(message, answer_text(question, answer) if answer is not None else "(skipped)")
        return answer

    def pick(self, message: str, options: list[tuple[str, str]]) -> str:
        """Choose one of ``(title, value)``; long titles wrap to the terminal's width."""
        Choice = self.q.Choice
        choices = [Choice(title=wrap_entry(visible(t, keep=""), self.width), value=v) for t, v in options]
        return str(self._ask(self.q.select(message, choices=choices, erase_when_done=True), ()))


def wrap_prompt(message: str, instruction: str, width: int) -> str:
    """A question as its prompt shows it: "? ", the question, then the instruction, broken between
    words so that the terminal never cuts a word (the instruction goes on a line of its own when
    it does not fit after the question's last line)."""
    import textwrap

    room = max(10, width - 3)  # "? " in front, and a column spare
    lines = textwrap.wrap(message, room, break_on_hyphens=False) or [""]
    if len(lines[-1]) + 1 + len(instruction) > room:
        lines.append("")  # questionary puts a space before the instruction
    return "\n".join(lines)


def wrap_entry(title: str, width: int) -> str:
    """A menu entry wrapped to ``width`` columns: the pointer's 3 columns first, continuation lines
    indented to match, and a column spare so that the terminal never wraps a line itself."""
    import textwrap

    return "\n   ".join(textwrap.wrap(title, max(10, width - 4), break_on_hyphens=False) or [""])


def answer_text(question: Question, value: Answer | None) -> str:
    """An answer as the interview shows it: the labels of its choices, or "(not answered)"."""
    if value is None:
        return "(not answered)"
    return ", ".join(question.label_of(v) for v in value)
