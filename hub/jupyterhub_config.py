"""JupyterHub configuration for the course hub (``make hub``; ``hub/start.py`` sets the environment).

Environment (hub/start.py fills in everything but the password and budget):
    SAE_HUB_COURSE       the course directory (holds nbgrader_config.py, source/, release/)
    SAE_HUB_STATE        the hub's state folder: hub database, homes, exchange (default hub/state)
    SAE_HUB_PORT         the public port, bound to 127.0.0.1 only (default 8000)
    SAE_HUB_API_PORT     the hub's internal API port (default 8081)
    SAE_HUB_PROXY_API_PORT  configurable-http-proxy's API port (default 8001)
    SAE_HUB_PASSWORD     the demo accounts' shared password (default: sae-demo)
    SAE_HUB_BUDGET       graded results per student per section per hour (default 3; 0 = no limit)
    SAE_HUB_POLL         seconds between two looks at the exchange's inbound folder (default 2)
"""

import os
import sys
from pathlib import Path

HUB_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(HUB_DIR))

from course_spawner import CourseSpawner  # noqa: E402
from hub_settings import Settings  # noqa: E402

s = Settings.from_env()
c = get_config()  # noqa: F821

# --- network: loopback only ------------------------------------------------------------------
c.JupyterHub.bind_url = f"http://127.0.0.1:{s.port}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = s.api_port
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{s.proxy_api_port}"
c.ConfigurableHTTPProxy.command = [s.proxy_command]
c.ConfigurableHTTPProxy.pid_file = str(s.state / "proxy.pid")
c.Spawner.ip = "127.0.0.1"

# --- state: all under the course's hub folder --------------------------------------------------
c.JupyterHub.db_url = f"sqlite:///{s.state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(s.state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(s.state / "jupyterhub.pid")
c.JupyterHub.log_level = os.environ.get("SAE_HUB_LOG_LEVEL", "INFO")
c.JupyterHub.cleanup_servers = True
c.JupyterHub.shutdown_on_logout = False

# --- accounts: a shared demo password and an allow-list ----------------------------------------
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = s.password
c.Authenticator.allowed_users = set(s.students) | {s.instructor}
# No hub admin: SharedPasswordAuthenticator gives admins their own (32+ character) password, and the
# instructor needs none (formgrader runs in their own server, started in the course root).

# --- single-user servers: JupyterLab as this Unix user, one home each --------------------------
c.JupyterHub.spawner_class = CourseSpawner
c.CourseSpawner.course_root = str(s.course)
c.CourseSpawner.state_dir = str(s.state)
c.CourseSpawner.exchange_root = str(s.exchange)
c.CourseSpawner.course_id = s.course_id
c.CourseSpawner.instructor = s.instructor
c.Spawner.cmd = [str(Path(sys.executable).parent / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.http_timeout = 120
c.Spawner.start_timeout = 180
c.Spawner.env_keep = ["PATH", "LANG", "LC_ALL", "VIRTUAL_ENV", "SAE_COURSE_PROFILE", "SAE_COURSE_MODE",
                      "SAE_COURSE_DEVICE", "HF_HUB_OFFLINE", "WANDB_MODE", "SAE_COURSE_DB_URL"]

# --- the autograder: a hub-managed service (restarted by nobody but the hub; state on disk) -----
c.JupyterHub.services = [{
    "name": "autograder",
    "command": [sys.executable, str(HUB_DIR / "autograde_service.py")],
    "environment": {k: v for k, v in os.environ.items()
                    if k.startswith("SAE_") or k in ("PATH", "HF_HUB_OFFLINE", "WANDB_MODE", "HOME", "LANG")},
}]
