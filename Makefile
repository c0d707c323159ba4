# The README's two commands are `make run` and `make test`; the rest are helpers.
.PHONY: run test lint format lock clean bench bench-recompute bench-dashboard

run:  ## install, migrate, load demo data and serve (worker and beat too with REDIS_URL)
	bash bin/run

test:  ## install test tools, check PostgreSQL and Redis, then lint and run every test
	bash bin/test

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

format:
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .

lock:  ## refresh constraints.txt from a clean environment
	bash bin/lock

clean:
	rm -rf .venv staticfiles .install-stamp

bench:  ## benchmarks against baselines measured in the same run (needs PostgreSQL and wrk)
	bash bin/bench

bench-recompute:  ## the recomputation benchmark only; ARGS="--million" for 1,000,000 responses
	bash bin/bench recompute $(ARGS)

bench-dashboard:  ## the dashboard page and its API; ARGS="--million" for 1,000,000 responses
	bash bin/bench dashboard $(ARGS)
