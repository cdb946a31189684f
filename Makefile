# The course's commands. On a fresh machine: `make demo`, then `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# The demo cohort and the tests grade with the small CI profile (sizes only; the checks are the same).
PROFILE ?= ci
export SAE_COURSE_PROFILE := $(PROFILE)
export HF_HUB_OFFLINE ?= 1
export WANDB_MODE ?= disabled
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# nbgrader calls `alembic` and `jupyter` by name: the venv's bin/ goes first on PATH.
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: install system-deps demo test release autograde feedback report notebooks zoo clean-grades lab lab-instructor hub hub-proxy

install: $(VENV)/.installed
$(VENV)/.installed: requirements.txt constraints.txt pyproject.toml
	@# The system packages (bubblewrap, chromium, postgresql, nodejs, npm): installed when root, else named.
	@sh tools/system-deps.sh --warn
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements.txt -c constraints.txt
	$(BIN)/pip install -q --no-deps -e .
	touch $@

## The system packages the grader and the tests use, as root (Debian/Ubuntu): tools/system-deps.sh.
system-deps:
	@sh tools/system-deps.sh

## The main job: build the release, grade the demo cohort, write feedback and the report.
demo: install
	$(BIN)/sae-course demo

## The tests (offline, CPU), spread over TEST_WORKERS processes by pytest-xdist, a test file on one process
## (the units are in tests/conftest.py); TEST_WORKERS=0 runs everything in this process, in order.
TEST_WORKERS ?= 2
test: install
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadscope --durations=20

release: install
	$(BIN)/sae-course release
autograde: install
	$(BIN)/sae-course autograde
feedback: install
	$(BIN)/sae-course feedback
report: install
	$(BIN)/sae-course report

## Rebuild source/ notebooks from authoring/*.py.
notebooks: install
	$(BIN)/sae-course notebooks

## Rebuild the offline model zoo from scratch, deterministically (about 24 min on 2 idle cores, estimated);
## writes sae_course/zoo/weights/ and the model card docs/zoo.md.
zoo: install
	$(BIN)/python -m sae_course.zoo.build

## The course hub (docs/hub.md): JupyterHub on http://127.0.0.1:8000/ with the exchange, formgrader and
## autograding on submission; prints the URL and the demo accounts. HUB_ARGS: e.g. --port 0 --budget 5.
hub: install hub-proxy
	$(BIN)/python hub/start.py $(HUB_ARGS)
## JupyterHub's proxy from npm, pinned by hub/package-lock.json, into hub/node_modules (needs Node.js + npm).
hub-proxy:
	@if [ -x hub/node_modules/.bin/configurable-http-proxy ]; then :; \
	elif command -v npm >/dev/null; then npm ci --prefix hub --no-audit --no-fund --loglevel=error; \
	else echo "make hub: configurable-http-proxy comes from npm, and Node.js/npm are not installed."; \
	     echo "  Install them (Debian/Ubuntu: sudo apt-get install nodejs npm) and run make hub again."; exit 1; fi

## The student's JupyterLab (full profile): Assignment List and Validate, no instructor tools
## (config: etc/jupyter/student). LAB_ARGS: more options, e.g. --no-browser --port 8890.
lab: install
	SAE_COURSE_PROFILE=full JUPYTER_CONFIG_PATH=$(CURDIR)/etc/jupyter/student $(BIN)/jupyter lab $(LAB_ARGS)
## The instructor's JupyterLab: also formgrader, Create Assignment and Course List (etc/jupyter/instructor).
lab-instructor: install
	SAE_COURSE_PROFILE=full JUPYTER_CONFIG_PATH=$(CURDIR)/etc/jupyter/instructor $(BIN)/jupyter lab $(LAB_ARGS)

## Forget every grade (keeps source/ and release/).
clean-grades:
	rm -rf gradebook/gradebook.db submitted/demo-* autograded/* feedback/* reports/
