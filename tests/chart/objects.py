#!/usr/bin/env python3
"""Queries and comparisons on Kubernetes objects for tests/chart/chart_test.sh.

Input files are JSON as `kubectl create --dry-run=client -o json -f ...`
prints it: one object, a List, or several objects one after another. (kubectl
does the YAML parsing, so this needs nothing beyond the standard library.)

  objects.py kinds FILE                 print "Kind name" for each object
  objects.py get FILE KIND PATH         print the value at PATH (dotted, list
                                        indices as numbers) of the only object
                                        of KIND, as compact JSON
  objects.py same-rbac CHART DEPLOY     the chart's ClusterRole and Role rules
                                        equal deploy/rbac's two ClusterRoles'
  objects.py same-groups A B            the PrometheusRules in A and B have
                                        equal spec.groups
  objects.py rules-file FILE OUT        write FILE's PrometheusRule spec as a
                                        Prometheus rules file (JSON is YAML)
  objects.py same-crds CHART SOURCE KEEP
                                        the chart's CRDs have the specs of the
                                        CRDs in SOURCE, and the keep annotation
                                        iff KEEP is "true"
Exit status 1 with a message on stderr when a check fails.
"""
import json
import sys


def load(path):
    text = open(path).read()
    dec = json.JSONDecoder()
    out, i = [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            break
        obj, i = dec.raw_decode(text, i)
        out.extend(obj.get("items", []) if obj.get("kind") == "List" else [obj])
    return out


def fail(msg):
    print("objects.py: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def only(objs, kind, path):
    found = [o for o in objs if o.get("kind") == kind]
    if len(found) != 1:
        fail("%s: want exactly one %s, found %d" % (path, kind, len(found)))
    return found[0]


def by_name(objs, kind):
    return {o["metadata"]["name"]: o for o in objs if o.get("kind") == kind}


def get(obj, dotted):
    cur = obj
    for part in dotted.split("."):
        if isinstance(cur, list):
            cur = cur[int(part)]
        elif isinstance(cur, dict) and part in cur:
            cur = cur[part]
        else:
            return None
    return cur


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "kinds":
        for o in load(args[0]):
            print(o["kind"], o["metadata"]["name"])
    elif cmd == "get":
        path, kind, dotted = args
        print(json.dumps(get(only(load(path), kind, path), dotted),
                         sort_keys=True, separators=(",", ":")))
    elif cmd == "same-rbac":
        chart, deploy = load(args[0]), by_name(load(args[1]), "ClusterRole")
        pairs = [("ClusterRole", "certstore-operator"),
                 ("Role", "certstore-operator-leader-election")]
        for kind, source in pairs:
            mine = only(chart, kind, args[0]).get("rules")
            want = deploy.get(source, {}).get("rules")
            if not want:
                fail("%s has no ClusterRole %s with rules" % (args[1], source))
            if mine != want:
                fail("the chart's %s rules differ from ClusterRole %s in %s:\n"
                     "chart:  %s\nsource: %s" % (kind, source, args[1],
                                                 json.dumps(mine), json.dumps(want)))
            print("  %s rules == deploy/rbac ClusterRole %s (%d rules)"
                  % (kind, source, len(mine)))
    elif cmd == "same-groups":
        a = only(load(args[0]), "PrometheusRule", args[0])["spec"]["groups"]
        b = only(load(args[1]), "PrometheusRule", args[1])["spec"]["groups"]
        if a != b:
            for ga, gb in zip(a, b):
                for ra, rb in zip(ga.get("rules", []), gb.get("rules", [])):
                    if ra != rb:
                        fail("rule %s differs:\n%s\n%s" % (
                            ra.get("alert"), json.dumps(ra, indent=1), json.dumps(rb, indent=1)))
            fail("groups differ (number of groups or rules)")
        rules = sum(len(g.get("rules", [])) for g in a)
        print("  spec.groups equal (%d groups, %d rules)" % (len(a), rules))
    elif cmd == "rules-file":
        spec = only(load(args[0]), "PrometheusRule", args[0])["spec"]
        with open(args[1], "w") as f:
            json.dump({"groups": spec["groups"]}, f, indent=1)
    elif cmd == "same-crds":
        chart, source = by_name(load(args[0]), "CustomResourceDefinition"), \
            by_name(load(args[1]), "CustomResourceDefinition")
        keep = args[2] == "true"
        if sorted(chart) != sorted(source):
            fail("chart CRDs %s != crds/ %s" % (sorted(chart), sorted(source)))
        for name, want in sorted(source.items()):
            mine = chart[name]
            if mine["spec"] != want["spec"]:
                fail("CRD %s: the chart's spec differs from crds/" % name)
            labels = mine["metadata"].get("labels", {})
            for k, v in want["metadata"].get("labels", {}).items():
                if labels.get(k) != v:
                    fail("CRD %s lost label %s=%s" % (name, k, v))
            policy = mine["metadata"].get("annotations", {}).get("helm.sh/resource-policy")
            if (policy == "keep") != keep:
                fail("CRD %s: helm.sh/resource-policy is %r, want keep=%s" % (name, policy, keep))
            print("  CRD %s: spec == crds/, resource-policy %s" % (name, policy))
    else:
        fail("unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv)
