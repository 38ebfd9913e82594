"""A fake OpenAI-compatible chat server on 127.0.0.1: real HTTP, POST /v1/chat/completions, scripted per request.

Each request takes the next scripted reply; when the script is empty, the default responder answers (by
default a well-formed analysis or summary in the language and shape the prompt asks for). A responder returns
the answer's text, or any Reply (so one paper can be made to time out while the others answer). Replies:
    Reply.content("...")               a chat completion with that content (usage reported unless usage=None)
    Reply.content("...", delay=1.0)    the same, sent after that many seconds (a slow model)
    Reply.status(429, {"Retry-After": "0"})   an error status with an OpenAI-style error body
    Reply.error(400, "request (9589 tokens) exceeds ...")   the same, with the server's own message
    Reply.hang(2.0)                    accept, then say nothing for that many seconds
    Reply.raw(b"{not json", "application/json")   a body the client cannot parse
    Reply.json({...})                  any JSON body (e.g. a completion without choices)
    reply.marked("timeout")            any reply, logged in FakeLLM.faults as an injected fault of that kind

A server with real timing (`FakeLLM.latency = ServerLatency(...)`): requests wait for one of `slots` free slots,
as llama.cpp's parallel slots or vLLM's batch do, then the first token comes after `ttft_seconds` and the rest at
`tokens_per_second` per request (tokens by the project's own estimate); usage reports those counts, and
`FakeLLM.busy` records each request's (start, first token, end) for the benchmark's floors.

Every reply is logged (FakeLLM.served, with the paper it was for); FakeLLM.answered_at records when each reply
finished sending, so a test can tell how many answers a client has received.

A request with `"stream": true` gets its text reply as server-sent events, in pieces, as llama.cpp sends it
(usage in a last chunk). A reply's `reasoning` is sent apart from its content, as reasoning servers do
(`reasoning_content` or `reasoning`: in the message, or streamed first); `finish_chunk=False` ends a stream
without its finish chunk, as a dropped proxy does. Like llama.cpp, the server answers GET /props with its context window
(`FakeLLM.props`, None for a server that has no such endpoint); GET /v1/models lists `FakeLLM.model_ids` when
set, and POST /tokenize counts tokens when `FakeLLM.tokens_per_char` is set. Those are not chat requests: they
take no scripted reply and are logged in FakeLLM.probes.
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loopback_http import LoopbackServer, QuietHandler

from arxiv_digest.analysis.prompting import estimate_tokens, message_tokens
from arxiv_digest.settings import Settings


@dataclass(frozen=True)
class Reply:
    kind: str  # text | status | hang | raw | json
    text: str = ""
    status_code: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    body: bytes = b""
    content_type: str = "application/json"
    usage: tuple[int, int] | None = (1000, 500)
    finish_reason: str = "stop"
    delay: float = 0.0  # seconds to wait before a text reply is sent
    fault: str = ""  # the kind of fault this reply injects ("" for a normal answer)
    # Reasoning sent apart from the answer, as DeepSeek, vLLM and llama.cpp do (`reasoning_content`; Ollama and
    # OpenRouter call it `reasoning`), streamed before the answer's pieces.
    reasoning: str = ""
    reasoning_field: str = "reasoning_content"
    finish_chunk: bool = True  # False: the stream just ends after the last piece (a dropped proxy)

    @classmethod
    def content(cls, text: str, usage: tuple[int, int] | None = (1000, 500), finish_reason: str = "stop",
                delay: float = 0.0, reasoning: str = "", reasoning_field: str = "reasoning_content",
                finish_chunk: bool = True) -> Reply:
        return cls("text", text=text, usage=usage, finish_reason=finish_reason, delay=delay, reasoning=reasoning,
                   reasoning_field=reasoning_field, finish_chunk=finish_chunk)

    @classmethod
    def status(cls, code: int, headers: dict[str, str] | None = None) -> Reply:
        return cls("status", status_code=code, headers=headers or {})

    @classmethod
    def error(cls, code: int, message: str) -> Reply:
        """An error status with the server's own wording (llama.cpp's, vLLM's) in an OpenAI-style body."""
        return cls("status", status_code=code, text=message)

    @classmethod
    def hang(cls, seconds: float) -> Reply:
        return cls("hang", seconds=seconds)

    @classmethod
    def raw(cls, body: bytes, content_type: str = "application/json") -> Reply:
        return cls("raw", body=body, content_type=content_type)

    @classmethod
    def json(cls, payload: Any) -> Reply:
        return cls("raw", body=json.dumps(payload).encode(), content_type="application/json")

    def marked(self, fault: str) -> Reply:
        """This reply, counted as an injected fault of kind `fault`."""
        return dataclasses.replace(self, fault=fault)


@dataclass(frozen=True)
class ServerLatency:
    """How long a real server takes: a queue for `slots`, then time to first token, then tokens per second."""

    ttft_seconds: float = 1.0
    tokens_per_second: float = 50.0
    slots: int = 8

    def seconds_for(self, output_tokens: int) -> float:
        return self.ttft_seconds + output_tokens / self.tokens_per_second


@dataclass
class ChatRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float

    @property
    def system(self) -> str:
        return "\n".join(m["content"] for m in self.body.get("messages", []) if m.get("role") == "system")

    @property
    def user(self) -> str:
        return "\n".join(m["content"] for m in self.body.get("messages", []) if m.get("role") == "user")

    @property
    def language(self) -> str:
        return "zh" if re.search(r"[\u4e00-\u9fff]", self.system) else "en"

    @property
    def prompt_kind(self) -> str:
        if "<papers>" in self.user:
            return "summary"
        return "method" if ("### 1." in self.system) else "abstract"

    @property
    def paper_id(self) -> str:
        """The versioned arXiv id an analysis prompt is about ("" for the summary)."""
        match = _PAPER_ID.search(self.user)
        return match.group(1) if match and self.prompt_kind != "summary" else ""


_PAPER_ID = re.compile(r"^arXiv[:：]\s*(\S+)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Served:
    """One reply the server chose: for which paper and prompt, of what kind, and which fault (if any)."""

    paper_id: str
    prompt_kind: str
    kind: str
    fault: str
    at: float


def completion_body(text: str, usage: tuple[int, int] | None, finish_reason: str = "stop", reasoning: str = "",
                    reasoning_field: str = "reasoning_content") -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if reasoning:
        message[reasoning_field] = reasoning
    body: dict[str, Any] = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1700000000,
        "model": "m",
        "choices": [{"index": 0, "finish_reason": finish_reason, "message": message}],
    }
    if usage is not None:
        body["usage"] = {"prompt_tokens": usage[0], "completion_tokens": usage[1], "total_tokens": sum(usage)}
    return body


# -- well-formed answers -------------------------------------------------------------------------------------

ZH_METHOD = """### 1. 摘要翻译

本文提出一种稀疏令牌路由方法，用于高效的视频目标分割，在保持精度的同时显著降低计算量。

### 2. 方法动机分析

*   **驱动力**：现有视频目标分割模型把大部分计算花在与目标无关的背景令牌上，推理代价高。
*   **现有方法痛点**：逐帧处理全部令牌，冗余严重，难以部署到资源受限的设备。
*   **研究假设**：只有少量令牌与目标相关，按相关性路由即可在不损失精度的前提下节省计算。

### 3. 方法设计详解

*   **核心思想**：为每个令牌预测路由分数，只把高分令牌送入重计算分支。
*   **流程**：输入视频帧，编码为令牌；路由器打分；高分令牌经过完整的注意力模块，其余令牌走轻量分支。
*   **输出**：融合两路特征，得到分割掩码。

### 4. 方法对比分析

*   **本质区别**：与逐帧全量计算的方法不同，本文按内容自适应地分配计算。
*   **创新贡献**：提出可学习的令牌路由器，并与分割目标联合训练。

### 5. 实验分析

*   **验证方法**：在公开的视频目标分割基准上与主流方法比较，并做消融实验。
*   **关键结果**：在精度相当的情况下显著减少计算量。
*   **局限性**：目标快速运动时路由可能出错。

### 6. 实用指南

*   **开源情况**：请以论文正文给出的信息为准。
*   **实现细节**：路由比例是关键超参数，需要按场景调整。

### 7. 总结

*   **核心思想**：按相关性路由令牌，只在重要区域花计算。
*   **速记版流程**：编码令牌；路由打分；分支计算；融合输出。
"""

EN_METHOD = """### 1. Abstract

The paper proposes sparse token routing for efficient video object segmentation, keeping accuracy while
spending far less computation on background tokens that do not matter for the target object.

### 2. Motivation

*   **Driving problem**: current video object segmentation models spend most of their computation on background
    tokens, which makes inference slow and expensive on long videos.
*   **Pain points**: every token of every frame is processed by the full network, which is redundant.
*   **Hypothesis**: only a few tokens matter for the target, so routing by relevance saves work without loss.

### 3. Method design

*   **Core idea**: a router scores every token and only high-scoring tokens take the expensive attention path.
*   **Pipeline**: frames are encoded into tokens; the router scores them; the top tokens pass through full
    attention while the rest take a light branch; the outputs are fused into the segmentation mask.

### 4. Comparison

*   **Difference**: unlike methods that process all tokens of all frames, computation follows content.
*   **Contribution**: a learnable token router trained jointly with the segmentation objective.

### 5. Experiments

*   **Validation**: comparisons with mainstream methods on public video segmentation benchmarks, and ablations.
*   **Key results**: similar accuracy with clearly less computation.
*   **Limitations**: routing can fail when the object moves very fast.

### 6. Practical guide

*   **Code**: see the links given in the paper.
*   **Implementation**: the routing ratio is the key hyper-parameter and depends on the scene.

### 7. Summary

*   **Core idea**: route tokens by relevance and spend computation only where it matters.
*   **Pipeline to remember**: encode tokens; score them; compute per branch; fuse the outputs.
"""

ZH_ABSTRACT = """**1. 论文的主要贡献**

本文提出一种新的方法来提高视觉模型的效率，在保持精度的同时降低计算开销，并在多个基准上验证了有效性。

**2. 关键创新或方法论**

核心创新在于按内容自适应地分配计算：对重要区域使用完整模型，对其余区域使用轻量处理，两者联合训练。

**3. 对该领域的潜在影响**

这类方法有望降低视觉模型的部署成本，使其能够在移动设备和实时系统中运行，推动相关应用落地。

**4. 可能受益的相关领域或应用**

视频分析、自动驾驶感知、机器人视觉以及移动端图像处理等对延迟敏感的应用都可能受益。

**5. 从摘要中可以推断出的局限性**

摘要没有说明方法在极端场景下的表现，也没有给出训练成本；这些都需要阅读全文才能确认。
"""

EN_ABSTRACT = """**1. Main contribution**

The paper proposes a way to make a vision model cheaper to run while keeping its accuracy, and validates it on
several benchmarks described in the abstract.

**2. Key innovation or methodology**

Computation is allocated by content: important regions get the full model, the rest a light branch, and both
are trained jointly so the allocation is learned rather than hand-set.

**3. Potential impact on the field**

Methods like this lower the cost of deploying vision models and make real-time and on-device use more
practical, which matters for many applied systems.

**4. Related areas or applications that may benefit**

Video analytics, driving perception, robot vision and mobile image processing, where latency is critical.

**5. Limitations that can be inferred from the abstract**

The abstract does not report behaviour in extreme conditions or the training cost; both need the full text.
"""


def good_answer(request: ChatRequest) -> str:
    """A valid answer of the kind and language the request asks for."""
    if request.prompt_kind == "summary":
        return good_summary(request)
    if request.prompt_kind == "method":
        return ZH_METHOD if request.language == "zh" else EN_METHOD
    return ZH_ABSTRACT if request.language == "zh" else EN_ABSTRACT


_SUMMARY_TITLE = re.compile(r"^\[[^\]]+\] (?:标题|Title): (.+)$", re.MULTILINE)


def good_summary(request: ChatRequest) -> str:
    titles = _SUMMARY_TITLE.findall(request.user)
    dates = re.findall(r"\d{4}-\d{2}-\d{2}", request.system)
    day = dates[0] if dates else ""
    if request.language == "zh":
        lines = [f"**执行摘要：{day} arXiv 论文**", "", "**主要主题与趋势：**", "",
                 "*   高效推理与稀疏计算是本期的共同主题，多篇论文关注在不损失精度的前提下降低计算开销。",
                 "", "**亮点与创新：**", ""]
        lines += [f"*   “{title}” 提出了值得关注的新方法，实验结果扎实。" for title in titles[:3]]
        lines += ["", "**新兴研究方向与技术：**", "", "*   按内容自适应分配计算的思路正在多个任务中出现。",
                  "", "**建议阅读全文的论文：**", ""]
        lines += [f"{i}.  “{title}”：方法清晰，值得精读。" for i, title in enumerate(titles[:2], start=1)]
    else:
        lines = [f"**Executive summary: arXiv papers of {day}**", "", "**Main themes and trends:**", "",
                 "*   Efficient inference and sparse computation run through the day's papers.", "",
                 "**Highlights:**", ""]
        lines += [f"*   \"{title}\" proposes a method with solid experiments." for title in titles[:3]]
        lines += ["", "**Emerging directions and techniques:**", "",
                  "*   Content-adaptive computation appears across several tasks.", "",
                  "**Recommended full reads:**", ""]
        lines += [f"{i}.  \"{title}\": a clear method worth reading in full." for i, title in
                  enumerate(titles[:2], start=1)]
    return "\n".join(lines) + "\n"


def obeys_injection(request: ChatRequest) -> str:
    """A gullible model: an instruction hidden in the paper wins over the system prompt."""
    if "ignore previous instructions" in request.user.lower():
        return "OK"
    return good_answer(request)


# -- server --------------------------------------------------------------------------------------------------


class _Handler(QuietHandler):
    def do_GET(self) -> None:
        fake = self.server.fake
        with fake.lock:
            fake.probes.append(f"GET {self.path}")
        if fake.get_status is not None:
            self._send(fake.get_status, json.dumps({"error": {"message": "fake status"}}).encode())
        elif self.path.rstrip("/") == "/props" and fake.props is not None:
            self._send(200, json.dumps(fake.props).encode())
        elif self.path.rstrip("/") == "/v1/models" and fake.model_ids is not None:
            self._send(200, json.dumps({"object": "list", "data": [{"id": m} for m in fake.model_ids]}).encode())
        else:
            self._send(404, json.dumps({"error": {"message": "not found"}}).encode())

    def do_POST(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            body = {}
        if self.path.rstrip("/") in ("/tokenize", "/api/show"):
            with fake.lock:
                fake.probes.append(f"POST {self.path}")
            if self.path.rstrip("/") == "/tokenize" and fake.tokens_per_char:
                count = int(len(str(body.get("content", ""))) * fake.tokens_per_char)
                self._send(200, json.dumps({"tokens": list(range(count))}).encode())
            else:
                self._send(404, json.dumps({"error": {"message": "not found"}}).encode())
            return
        request = ChatRequest(self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.monotonic())
        with fake.lock:
            fake.requests.append(request)
            reply = fake.script.popleft() if fake.script else None
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send(404, json.dumps({"error": {"message": "not found"}}).encode())
            return
        if reply is None:
            answer = fake.responder(request)
            reply = answer if isinstance(answer, Reply) else Reply.content(answer)
        served = Served(request.paper_id, request.prompt_kind, reply.kind, reply.fault, time.monotonic())
        with fake.lock:
            fake.served.append(served)
        try:
            if fake.latency is not None and reply.kind == "text":
                self._timed_reply(reply, request, stream=bool(body.get("stream")))
            else:
                self._reply(reply, stream=bool(body.get("stream")))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (or was killed) first: nothing was answered
            return
        with fake.lock:
            fake.answered_at.append((served, time.monotonic()))

    def _reply(self, reply: Reply, stream: bool = False) -> None:
        if reply.kind == "hang":
            time.sleep(reply.seconds)
            self.close_connection = True
            return
        if reply.kind == "status":
            payload = {"error": {"message": reply.text or f"fake status {reply.status_code}", "type": "fake"}}
            self._send(reply.status_code, json.dumps(payload).encode(), headers=reply.headers)
            return
        if reply.kind == "raw":
            self._send(200, reply.body, reply.content_type)
            return
        if reply.delay:
            time.sleep(reply.delay)
        if stream:
            self._send_stream(reply)
            return
        self._send(200, json.dumps(completion_body(reply.text, reply.usage, reply.finish_reason, reply.reasoning,
                                                   reply.reasoning_field)).encode())

    def _timed_reply(self, reply: Reply, request: ChatRequest, stream: bool) -> None:
        """The reply after a free slot, the time to first token and the answer's tokens at the server's rate."""
        fake = self.server.fake
        latency = fake.latency
        output_tokens = estimate_tokens(reply.text)
        usage = (message_tokens(request.body.get("messages", [])), output_tokens)
        reply = dataclasses.replace(reply, usage=usage)
        with fake.slots:
            started = time.monotonic()
            time.sleep(latency.ttft_seconds + reply.delay)
            first = time.monotonic()
            if stream:
                pieces = max(1, -(-len(reply.text) // 40))  # _send_stream's 40-character pieces
                self._send_stream(reply, piece_delay=output_tokens / latency.tokens_per_second / pieces)
            else:
                time.sleep(output_tokens / latency.tokens_per_second)
                body = completion_body(reply.text, reply.usage, reply.finish_reason, reply.reasoning,
                                       reply.reasoning_field)
                self._send(200, json.dumps(body).encode())
            with fake.lock:
                fake.busy.append((started, first, time.monotonic()))

    def _send_stream(self, reply: Reply, piece_delay: float | None = None) -> None:
        """The answer as server-sent events, 40 characters a chunk, then the finish reason and the usage."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1700000000, "model": "m"}
        thinking = [{reply.reasoning_field: reply.reasoning[i:i + 40]} for i in range(0, len(reply.reasoning), 40)]
        pieces = [{"content": reply.text[i:i + 40]} for i in range(0, len(reply.text), 40)]
        for piece in thinking + pieces:
            chunk = {**base, "choices": [{"index": 0, "delta": piece, "finish_reason": None}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
            delay = self.server.fake.stream_piece_delay if piece_delay is None else piece_delay
            if delay:
                time.sleep(delay)
        if not reply.finish_chunk:
            self.wfile.flush()
            return  # the connection just closes: no finish reason, no usage, no [DONE]
        last = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": reply.finish_reason}]}
        self.wfile.write(f"data: {json.dumps(last)}\n\n".encode())
        if reply.usage is not None:
            usage = {"prompt_tokens": reply.usage[0], "completion_tokens": reply.usage[1],
                     "total_tokens": sum(reply.usage)}
            self.wfile.write(f"data: {json.dumps({**base, 'choices': [], 'usage': usage})}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()



class FakeLLM(LoopbackServer):
    def __init__(self, responder: Callable[[ChatRequest], str | Reply] = good_answer) -> None:
        self.responder = responder
        self.script: deque[Reply] = deque()
        self.requests: list[ChatRequest] = []
        self.served: list[Served] = []
        self.answered_at: list[tuple[Served, float]] = []  # replies whose sending finished, and when
        self.lock = threading.Lock()
        # Like llama.cpp: one slot with a window far larger than any test prompt, unless a test says otherwise.
        self.props: dict[str, Any] | None = {"default_generation_settings": {"n_ctx": 65536}, "total_slots": 1}
        self.model_ids: list[str] | None = None
        self.tokens_per_char: float = 0.0
        self.get_status: int | None = None  # answer every GET with this status (e.g. 401)
        self.stream_piece_delay: float = 0.0
        self.probes: list[str] = []
        self.latency: ServerLatency | None = None  # None: answer at once (each Reply's own delay aside)
        self.busy: list[tuple[float, float, float]] = []  # timed replies: (slot taken, first token, done)
        self._slot_count = 0
        self._slots = threading.BoundedSemaphore(1)
        # A short poll interval: shutdown() waits for it, once per test.
        super().__init__(_Handler, poll_interval=0.02, fake=self)

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v1"

    @property
    def slots(self) -> threading.BoundedSemaphore:
        """The server's parallel slots (latency.slots of them); a request beyond them waits for one."""
        with self.lock:
            wanted = self.latency.slots if self.latency is not None else 1
            if wanted != self._slot_count:
                self._slots, self._slot_count = threading.BoundedSemaphore(wanted), wanted
            return self._slots

    def settings(self, data_dir: Path, **overrides: Any) -> Settings:
        """Settings that point the pipeline at this server, with backoff short enough for tests."""
        values: dict[str, Any] = dict(
            data_dir=data_dir, llm_base_url=self.base_url, llm_api_key="x", llm_timeout_seconds=2.0,
            llm_max_attempts=3, http_backoff_base_seconds=0.01, http_backoff_max_seconds=0.05,
        )
        values.update(overrides)
        return Settings(**values)

    def then(self, *replies: Reply) -> FakeLLM:
        with self.lock:
            self.script.extend(replies)
        return self

    @property
    def request_count(self) -> int:
        with self.lock:
            return len(self.requests)

    def requests_for(self, paper_id: str) -> list[ChatRequest]:
        """The analysis requests about one paper (the summary's are about none)."""
        with self.lock:
            return [r for r in self.requests if r.paper_id == paper_id]

    @property
    def faults(self) -> dict[str, int]:
        """Injected faults served so far, per kind."""
        counts: dict[str, int] = {}
        with self.lock:
            for served in self.served:
                if served.fault:
                    counts[served.fault] = counts.get(served.fault, 0) + 1
        return counts
