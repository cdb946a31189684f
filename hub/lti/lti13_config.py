"""LMS login through LTI 1.3 (jupyterhub-ltiauthenticator), mapped onto nbgrader's students.

Load it after hub/jupyterhub_config.py (``jupyterhub -f hub/jupyterhub_config.py -f hub/lti/lti13_config.py``
does not chain; instead add ``load_subconfig("hub/lti/lti13_config.py")`` at the end of the hub config,
or paste it into Zero to JupyterHub's ``hub.extraConfig``, as hub/k8s/values.yaml does).

Needs ``pip install jupyterhub-ltiauthenticator==1.6.3`` on the hub (not in this repo's lock: the
demo and the tests do not use it). Settings come from the LMS's tool registration:
    SAE_LTI_ISSUER, SAE_LTI_CLIENT_ID, SAE_LTI_AUTHORIZE_URL, SAE_LTI_JWKS_URL

Mapping: the hub user name is the LMS's stable user id (the ``sub`` claim, never the editable
email); after each login, ``post_auth_hook`` creates or updates that student in nbgrader's gradebook
(id = hub user name, first/last name and email from the LTI claims, ``lms_user_id`` = sub), so
formgrader, the exports and ``nbgrader export`` all carry the LMS identity. Instructors are the
users whose LTI roles include Instructor; they are listed in ``SAE_LTI_INSTRUCTORS`` (hub user
names) so the spawner starts them in the course root with formgrader.
"""

import os

c = get_config()  # noqa: F821

LTI_ROLES = "https://purl.imsglobal.org/spec/lti/claim/roles"
INSTRUCTOR_ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"

c.JupyterHub.authenticator_class = "ltiauthenticator.lti13.auth.LTI13Authenticator"
c.LTI13Authenticator.issuer = os.environ.get("SAE_LTI_ISSUER", "https://canvas.instructure.com")
c.LTI13Authenticator.client_id = [os.environ.get("SAE_LTI_CLIENT_ID", "10000000000001")]
c.LTI13Authenticator.authorize_url = os.environ.get(
    "SAE_LTI_AUTHORIZE_URL", "https://canvas.instructure.com/api/lti/authorize_redirect")
c.LTI13Authenticator.jwks_endpoint = os.environ.get(
    "SAE_LTI_JWKS_URL", "https://canvas.instructure.com/api/lti/security/jwks")
c.LTI13Authenticator.username_key = "sub"
c.Authenticator.enable_auth_state = True  # the claims reach post_auth_hook
c.Authenticator.allow_all = True  # the LMS decides who is in the course


def lti_to_student(claims: dict, username: str) -> dict:
    """The gradebook's student record for one LTI 1.3 launch."""
    return {
        "first_name": claims.get("given_name") or None,
        "last_name": claims.get("family_name") or None,
        "email": claims.get("email") or None,
        "lms_user_id": claims.get("sub") or username,
    }


def is_instructor(claims: dict) -> bool:
    return any(r == INSTRUCTOR_ROLE or r.endswith("#Instructor") for r in claims.get(LTI_ROLES, []))


def record_student(authenticator, handler, authentication):
    """post_auth_hook: put the LMS user into nbgrader's gradebook (students only)."""
    from nbgrader.api import Gradebook

    claims = (authentication.get("auth_state") or {})
    claims = claims.get("id_token", claims) if isinstance(claims, dict) else {}
    name = authentication["name"]
    if is_instructor(claims):
        return authentication
    db_url = os.environ.get("SAE_COURSE_DB_URL") or "sqlite:///" + os.path.join(
        os.environ.get("SAE_HUB_COURSE", "."), "gradebook", "gradebook.db")
    with Gradebook(db_url, course_id=os.environ.get("SAE_HUB_COURSE_ID", "sae-course")) as gb:
        gb.update_or_create_student(name, **lti_to_student(claims, name))
    return authentication


c.Authenticator.post_auth_hook = record_student
c.CourseSpawner.instructor = os.environ.get("SAE_LTI_INSTRUCTORS", "instructor").split(",")[0]
