from importlib.util import find_spec

# The oracle needs FastAPI and pydantic (the test extra); without them there is
# nothing to compare against, so these modules are not collected at all.
collect_ignore_glob = [] if find_spec("fastapi") and find_spec("pydantic") else ["test_*.py"]
