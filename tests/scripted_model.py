"""A chat model in process, for the analysis and summary logic: it answers from a script, records every prompt
and counts tokens as the real client reports them. The HTTP fake (fake_llm.py) stays for the client and flows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from arxiv_digest.analysis.model import Completion, ContextWindow, ModelCallFailed, ModelConfig
from arxiv_digest.analysis.prompting import Message


@dataclass(frozen=True)
class Asked:
    """One prompt the model was given."""

    system: str
    user: str

    @property
    def kind(self) -> str:
        if "<papers>" in self.user:
            return "summary"
        return "method" if "### 1." in self.system else "abstract"


Answer = str | Exception  # an answer's text, or what the call raises (ModelCallFailed for a failed call)


@dataclass
class ScriptedModel:
    """Answers `script` in order, then `then(asked)` for every further call."""

    config: ModelConfig
    script: list[Answer] = field(default_factory=list)
    then: Callable[[Asked], Answer] | None = None
    asked: list[Asked] = field(default_factory=list)
    usage: tuple[int, int] = (1000, 500)

    @property
    def name(self) -> str:
        return self.config.model

    def complete(self, messages: Sequence[Message], *, max_tokens: int | None = None,
                 deadline: float | None = None) -> Completion:
        asked = Asked("\n".join(m["content"] for m in messages if m["role"] == "system"),
                      "\n".join(m["content"] for m in messages if m["role"] == "user"))
        self.asked.append(asked)
        if self.script:
            answer = self.script.pop(0)
        elif self.then is not None:
            answer = self.then(asked)
        else:
            raise AssertionError(f"the script has no answer for call {len(self.asked)} ({asked.kind})")
        if isinstance(answer, Exception):
            raise answer
        return Completion(text=answer, model=self.name, finish_reason="stop", input_tokens=self.usage[0],
                          output_tokens=self.usage[1], usage_reported=True, latency_ms=5.0,
                          max_tokens=max_tokens or self.config.max_output_tokens)

    def window(self) -> ContextWindow:
        return ContextWindow(0, "scripted")

    def input_budget(self, configured: int) -> int:
        return configured

    def settings_key(self, input_budget: int) -> str:
        return f"scripted|{self.name}|in={input_budget}"

    def preflight(self) -> ContextWindow:
        return self.window()


def unreachable(model: str) -> ModelCallFailed:
    return ModelCallFailed(model, "connection refused", [], request_rejected=False)
