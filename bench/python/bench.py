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


def p90(times):
    return sorted(times)[int(len(times) * 0.9)]


def paused(pause, call):
    """One call after an idle pause, as a service makes them: the pool's
    replacement workers are ready by then, its processes asleep."""
    time.sleep(pause)
    return timed(call)


def back_to_back(size, calls):
    """Calls per second and the latency of each call, for Pool(size)
    called back to back. With size=1 every call waits for the worker that
    replaces the previous one: its latency is how long one worker takes to
    be replaced (a runner started, sealed and dropped, an interpreter
    started), which bounds every size."""
    with boxed.Pool(size=size) as pool:
        ready(pool, 0.05)
        lat = []
        start = time.perf_counter()
        for _ in range(calls):
            lat.append(timed(lambda: pool.run(math.sqrt, args=(4,))))
        rate = calls / (time.perf_counter() - start)
    return rate, lat


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--per-round", type=int, default=40)
    ap.add_argument("--throughput-calls", type=int, default=300)
    ap.add_argument("--settle", type=float, default=0.03)
    ap.add_argument("--max-cold-ratio", type=float, default=1.25)
    ap.add_argument("--max-pool-ms", type=float, default=1.0)
    ap.add_argument("--max-paused-ms", type=float, default=1.0)
    ap.add_argument("--max-paused-p90-ms", type=float, default=2.0)
    ap.add_argument("--paused-per-round", type=int, default=10)
    opt = ap.parse_args()

    times = {"bare": [], "program": [], "cold": [], "pool": [], "mp": [], "inproc": [],
             "pool30": [], "mp30": [], "pool300": [], "mp300": []}
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
            # Pauses: 30 ms, and 300 ms as a web service makes them; fewer
            # of the long ones, which cost wall time. Interleaved with
            # multiprocessing.Pool after the same pause.
            for pause, count in ((0.03, opt.paused_per_round),
                                 (0.3, max(opt.paused_per_round // 3, 1))):
                key = "%d" % round(pause * 1000)
                for _ in range(count):
                    times["pool" + key].append(paused(pause, lambda: pool.run(
                        math.sqrt, args=(4,))))
                    times["mp" + key].append(paused(pause, lambda: mp_pool.apply(
                        math.sqrt, (4,))))
        ready(pool, opt.settle)
        start = time.perf_counter()
        for _ in range(opt.throughput_calls):
            pool.run(math.sqrt, args=(4,))
        pool_rate = opt.throughput_calls / (time.perf_counter() - start)
    sizes = sorted({1, 2, os.cpu_count() * 2})
    bursts = {size: back_to_back(size, opt.throughput_calls) for size in sizes}
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
        "pool30": "boxed.Pool(2).run, 30 ms pauses",
        "mp30": "multiprocessing.Pool(2), 30 ms pauses",
        "pool300": "boxed.Pool(2).run, 300 ms pauses",
        "mp300": "multiprocessing.Pool(2), 300 ms pauses",
    }
    print("# %s, %d CPUs, Python %s; %d rounds of %d calls each" % (
        " ".join(os.uname()[i] for i in (0, 2)), os.cpu_count(),
        sys.version.split()[0], opt.rounds, opt.per_round))
    print("%-40s %10s %8s %10s %8s %9s" % ("what", "median ms", "p90 ms", "mean ms", "stdev",
                                            "ratio"))
    for key, label in names.items():
        t = times[key]
        med = statistics.median(t)
        print("%-40s %10.4f %8.4f %10.4f %8.4f %9.3f" % (
            label, med * 1e3, p90(t) * 1e3, statistics.mean(t) * 1e3,
            statistics.stdev(t) * 1e3, med / base))
    print("(ratio: median over the median of the bare subprocess, same process, same rounds)")
    print("boxed.Pool(size=2), back to back: %.0f calls/s" % pool_rate)
    for size, (rate, lat) in bursts.items():
        print("boxed.Pool(size=%d), back to back: %.0f calls/s, median %.3f ms, p90 %.3f ms" % (
            size, rate, statistics.median(lat) * 1e3, p90(lat) * 1e3))
    replace = statistics.median(bursts[1][1])
    print("one worker's replacement takes %.1f ms (size=1): at most %.0f calls/s for each "
          "worker being replaced at once, and the %d cores share that work" % (
              replace * 1e3, 1 / replace, os.cpu_count()))
    print("boxed.run cold, back to back:      %.0f calls/s" % cold_rate)
    cold_ratio = statistics.median(times["cold"]) / base
    pool_ms = statistics.median(times["pool"]) * 1e3
    ok_cold = cold_ratio <= opt.max_cold_ratio
    ok_pool = pool_ms <= opt.max_pool_ms
    print("cold median ratio %.3f (limit %.2f): %s" % (cold_ratio, opt.max_cold_ratio,
                                                      "PASS" if ok_cold else "FAIL"))
    print("pool median latency %.3f ms (limit %.2f ms): %s" % (
        pool_ms, opt.max_pool_ms, "PASS" if ok_pool else "FAIL"))
    ok_paused = True
    for key in ("pool30", "pool300"):
        med, high = statistics.median(times[key]) * 1e3, p90(times[key]) * 1e3
        ok = med <= opt.max_paused_ms and high <= opt.max_paused_p90_ms
        ok_paused = ok_paused and ok
        print("%s: median %.3f ms (limit %.2f), p90 %.3f ms (limit %.2f): %s" % (
            names[key], med, opt.max_paused_ms, high, opt.max_paused_p90_ms,
            "PASS" if ok else "FAIL"))
    return 0 if ok_cold and ok_pool and ok_paused else 1


if __name__ == "__main__":
    sys.exit(main())
