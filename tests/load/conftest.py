# tests/load is a Locust scenario and its runner, not tests: Locust patches the standard library
# with gevent on import, which must never happen inside pytest. Nothing here is collected.
collect_ignore_glob = ["*.py"]
