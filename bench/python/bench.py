"""The client benchmark (bench/python/run starts it as a real caller in the
runner's group). Every figure is taken in this one process, in interleaved
rounds, so the ratios compare like with like."""

import argparse
import math
import multiprocessing
import os
import statistics
import subprocess
import sys
import time

import boxed

PYTHON = "/usr/bin/python3.11"
BARE = [PYTHON, "-I", "-S", "-c", "pass"]


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bare():
    subprocess.run(BARE, check=True)


RUNNER = boxed.find_runner()


def runner_program():
    subprocess.run([RUNNER, "--"] + BARE, check=True)


def cold():
    assert boxed.run(math.sqrt, args=(4,), serializer="json") == 2.0


def ready(pool, settle):
    """Wait until the pool's workers are all started, then for their
    interpreters to reach the request (a call before that would measure
    start-up, not the call)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with pool._cond:
            if len(pool._state["idle"]) == pool.size and not pool._state["starting"]:
                break
        time.sleep(0.002)
    time.sleep(settle)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--per-round", type=int, default=40)
    ap.add_argument("--throughput-calls", type=int, default=300)
    ap.add_argument("--settle", type=float, default=0.03)
    ap.add_argument("--max-cold-ratio", type=float, default=1.25)
    ap.add_argument("--max-pool-ms", type=float, default=1.0)
    opt = ap.parse_args()

    times = {"bare": [], "program": [], "cold": [], "pool": [], "mp": [], "inproc": []}
    mp_pool = multiprocessing.get_context("fork").Pool(2)
    with boxed.Pool(size=2) as pool:
        for fn in (bare, cold):  # warm the page cache and the client
            for _ in range(5):
                fn()
        mp_pool.apply(math.sqrt, (4,))
        for _ in range(opt.rounds):
            for _ in range(opt.per_round):
                times["bare"].append(timed(bare))
                times["program"].append(timed(runner_program))
                times["cold"].append(timed(cold))
            for _ in range(opt.per_round):
                ready(pool, opt.settle)
                times["pool"].append(timed(lambda: pool.run(math.sqrt, args=(4,))))
                times["mp"].append(timed(lambda: mp_pool.apply(math.sqrt, (4,))))
            for _ in range(opt.per_round):
                times["inproc"].append(timed(lambda: math.sqrt(4)))
        ready(pool, opt.settle)
        start = time.perf_counter()
        for _ in range(opt.throughput_calls):
            pool.run(math.sqrt, args=(4,))
        pool_rate = opt.throughput_calls / (time.perf_counter() - start)
    start = time.perf_counter()
    n_cold = max(opt.throughput_calls // 3, 20)
    for _ in range(n_cold):
        cold()
    cold_rate = n_cold / (time.perf_counter() - start)
    mp_pool.terminate()

    base = statistics.median(times["bare"])
    names = {
        "bare": "subprocess python3.11 -I -S -c pass",
        "program": "subprocess boxed-run -- (same command)",
        "cold": "boxed.run(math.sqrt, (4,)) cold",
        "pool": "boxed.Pool(2).run(math.sqrt) (ready)",
        "mp": "multiprocessing.Pool(2).apply",
        "inproc": "math.sqrt(4) in process",
    }
    print("# %s, %d CPUs, Python %s; %d rounds of %d calls each" % (
        " ".join(os.uname()[i] for i in (0, 2)), os.cpu_count(),
        sys.version.split()[0], opt.rounds, opt.per_round))
    print("%-40s %10s %10s %8s %9s" % ("what", "median ms", "mean ms", "stdev", "ratio"))
    for key, label in names.items():
        t = times[key]
        med = statistics.median(t)
        print("%-40s %10.4f %10.4f %8.4f %9.3f" % (label, med * 1e3, statistics.mean(t) * 1e3,
                                                  statistics.stdev(t) * 1e3, med / base))
    print("(ratio: median over the median of the bare subprocess, same process, same rounds)")
    print("boxed.Pool(size=2), back to back: %.0f calls/s" % pool_rate)
    print("boxed.run cold, back to back:      %.0f calls/s" % cold_rate)
    cold_ratio = statistics.median(times["cold"]) / base
    pool_ms = statistics.median(times["pool"]) * 1e3
    ok_cold = cold_ratio <= opt.max_cold_ratio
    ok_pool = pool_ms <= opt.max_pool_ms
    print("cold median ratio %.3f (limit %.2f): %s" % (cold_ratio, opt.max_cold_ratio,
                                                      "PASS" if ok_cold else "FAIL"))
    print("pool median latency %.3f ms (limit %.2f ms): %s" % (
        pool_ms, opt.max_pool_ms, "PASS" if ok_pool else "FAIL"))
    return 0 if ok_cold and ok_pool else 1


if __name__ == "__main__":
    sys.exit(main())
