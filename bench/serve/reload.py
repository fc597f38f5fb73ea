"""Reload latency of `inforce serve`: from a rule file's change on disk to
the new digest served by GET /v1/health. Usage:
    python3 bench/serve/reload.py BINARY RULES_COPY [ROUNDS]
RULES_COPY is a scratch copy of rules/ (its files are edited)."""
import json, re, subprocess, sys, time, urllib.request

binary, rules = sys.argv[1], sys.argv[2]
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 10
server = subprocess.Popen([binary, "serve", "--rules", rules, "--listen", "127.0.0.1:0"],
                          stderr=subprocess.PIPE, text=True)
line = server.stderr.readline()
addr = re.search(r"http://([0-9.:]+)", line).group(1)
health = f"http://{addr}/v1/health"

def digest():
    with urllib.request.urlopen(health) as r:
        return json.load(r)["rules"]["digest"]

target = f"{rules}/kz/citizens-departure/2001-07-26.yaml"
text = open(target).read()
times = []
try:
    for i in range(rounds):
        before = digest()
        t0 = time.perf_counter()
        with open(target, "w") as f:
            f.write(text + f"\n# edit {i}\n")
        while digest() == before:
            time.sleep(0.001)
        times.append((time.perf_counter() - t0) * 1000)
        time.sleep(0.2)
finally:
    with open(target, "w") as f:
        f.write(text)
    server.terminate()
times.sort()
print(f"reload, change to new digest served, {rounds} rounds: "
      f"median {times[len(times)//2]:.1f} ms, min {times[0]:.1f} ms, max {times[-1]:.1f} ms")
