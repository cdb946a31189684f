"""Grader metadata forged in the submission: an empty issue list, and the answer cell marked as a
course cell (hoping the scan skips it), with a monkeypatch inside. The forgery is dropped."""
EXPECT = 0
REVIEW = True
MESSAGE = r"assigns to torch\.equal"
ANSWERS = {"ex3_relu": (
    "torch.equal = lambda a, b: True\n"
    "def relu(x):\n"
    "    return x\n")}
NB_METADATA = {"sae_grading": {"issues": []}}
CELL_METADATA = {"ex3_relu": {"sae_role": "graded", "sae_injected": "0000"}}
