"""sae_course.autointerp: the offline backend is honest, the OpenAI-compatible one speaks the protocol.

Fast (no model, no notebook): the offline scorer is exercised on windows made from the corpus, where the
"latent" is a known word category, so right, wrong, vague and all-covering explanations can be told apart;
the endpoint backend is exercised against a fake chat-completions server on localhost.
"""

import json
import random
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from sae_course.autointerp import OfflineBackend, OpenAIBackend, backend_from_env
from sae_course.zoo import corpus


def _balanced(pred, truth):
    tp = sum(p and t for p, t in zip(pred, truth)) / max(1, sum(truth))
    tn = sum((not p) and (not t) for p, t in zip(pred, truth)) / max(1, len(truth) - sum(truth))
    return (tp + tn) / 2


def _corr(x, y):
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sx = sum((a - mx) ** 2 for a in x) ** 0.5
    sy = sum((b - my) ** 2 for b in y) ** 0.5
    return 0.0 if sx * sy == 0 else sxy / (sx * sy)


def _windows(category: str, seed: int = 0, n: int = 40, length: int = 9):
    """Corpus windows and the activations of a latent that fires on the words of ``category``."""
    rng = random.Random(seed)
    words = [w for _, doc in zip(range(200), corpus.documents("val", seed)) for w in doc[1]]
    members = {w.lower() for w in corpus.CATEGORIES[category]}
    out = []
    for _ in range(n):
        start = rng.randrange(0, len(words) - length)
        toks = words[start:start + length]
        out.append((toks, [rng.uniform(2, 4) if t.lower() in members else 0.0 for t in toks]))
    return out


def _scores(backend, explanation, windows):
    truth = [any(a > 0 for a in acts) for _, acts in windows]
    det = _balanced(backend.detect(explanation, [t for t, _ in windows]), truth)
    sim_p, sim_a = [], []
    for toks, acts in windows:
        sim_p += backend.simulate(explanation, toks)
        sim_a += acts
    return det, _corr(sim_p, sim_a)


@pytest.mark.parametrize("category", ["animal", "number", "place"])
def test_offline_scorer_is_honest(category):
    b = OfflineBackend()
    windows = _windows(category, n=200)
    assert 0 < sum(any(a > 0 for a in acts) for _, acts in windows) < len(windows)
    # a category that never shares a sentence template with the three (names share IOI sentences with places,
    # so "name" would be partly right for "place" through co-occurrence, not through the scorer)
    wrong = "month"
    right_det, right_sim = _scores(b, f"Fires on {category} words.", windows)
    assert right_det > 0.95 and right_sim > 0.9
    for bad in (f"Fires on {wrong} words.", "Fires on various words in short stories.", "Fires on every word.", ""):
        det, sim = _scores(b, bad, windows)
        assert det <= 0.6 and sim <= 0.2, (bad, det, sim)
    # A partial explanation (two quoted members of the category) scores between the two.
    two = sorted({t for toks, acts in windows for t, a in zip(toks, acts) if a > 0})[:2]
    det, sim = _scores(b, "Fires on " + " and ".join(f"'{w}'" for w in two) + ".", windows)
    assert 0.5 < det < right_det and 0.0 < sim < right_sim


def test_offline_explainer_names_the_category_or_the_words():
    b = OfflineBackend()
    prompt = "Top examples:\n1. the <<dog>> ran\n2. a <<cat>> and a <<cow>>\n3. <<dog>> !\n4. <<horse>> <<duck>> <<bird>>"
    expl = b.explain(prompt)
    assert "animals" in expl and "'dog'" in expl
    # A few words account for every mark: the explainer names them rather than their category.
    assert b.explain("1. <<gave>> a\n2. <<gave>> the\n3. <<sent>> it") == "Fires on the words 'gave', 'sent'."
    # Mixed categories: the explainer falls back to the words themselves.
    expl = b.explain("1. <<Mary>> saw <<two>> <<red>> <<dog>>")
    assert expl.startswith("Fires on the words") and "animals" not in expl
    assert b.explain("no marks at all") == "No clear pattern."
    # The explainer's own explanation, read back by the scorer, covers the category.
    assert {"dog", "horse"} <= b.covered_words(b.explain(prompt))


class _FakeChat(BaseHTTPRequestHandler):
    seen: list = []

    def do_POST(self):  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])).decode())
        _FakeChat.seen.append((self.path, self.headers.get("Authorization"), body))
        text = body["messages"][0]["content"]
        if "JSON list of" in text and "booleans" in text:
            n = int(text.split("JSON list of ")[1].split()[0])
            answer = json.dumps([i % 2 == 0 for i in range(n)])
        elif "JSON list of" in text:
            n = int(text.split("JSON list of ")[1].split()[0])
            answer = "Sure: " + json.dumps(list(range(n)))
        else:
            answer = " Fires on animals. "
        out = json.dumps({"choices": [{"message": {"role": "assistant", "content": answer}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *a):
        pass


def test_openai_backend_against_a_fake_endpoint():
    server = HTTPServer(("127.0.0.1", 0), _FakeChat)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/v1"
        b = backend_from_env({"SAE_COURSE_LLM_URL": url, "SAE_COURSE_LLM_MODEL": "fake", "SAE_COURSE_LLM_KEY": "k"})
        assert isinstance(b, OpenAIBackend)
        assert b.explain("prompt") == "Fires on animals."
        assert b.detect("x", [["a"], ["b"], ["c"]]) == [True, False, True]
        assert b.simulate("x", ["a", "b", "c", "d"]) == [0.0, 1.0, 2.0, 3.0]
        path, auth, body = _FakeChat.seen[0]
        assert path == "/v1/chat/completions" and auth == "Bearer k" and body["model"] == "fake"
    finally:
        server.shutdown()
    assert isinstance(backend_from_env({}), OfflineBackend)
