#!/usr/bin/env python3
"""Queries and comparisons on Kubernetes objects for tests/chart/chart_test.sh.

Input files are JSON as `kubectl create --dry-run=client -o json -f ...`
prints it: one object, a List, or several objects one after another. (kubectl
does the YAML parsing, so this needs nothing beyond the standard library.)

  objects.py kinds FILE                 print "Kind name" for each object
  objects.py get FILE KIND PATH         print the value at PATH (dotted, list
                                        indices as numbers) of the only object
                                        of KIND, as compact JSON
  objects.py same-rbac CHART DEPLOY SA SPEC...
                                        the chart's Roles and ClusterRoles are
                                        exactly those SPECs name, each with the
                                        rules of a ClusterRole in DEPLOY (the
                                        objects of deploy/rbac/), each bound by
                                        one binding of its own to ServiceAccount
                                        SA (NS/NAME), and nothing else is bound.
                                        SPEC: ClusterRole/NAME=SOURCE or
                                        Role/NS/NAME=SOURCE
  objects.py no-cluster-rights CHART RESOURCE...
                                        no ClusterRole in CHART grants anything
                                        on RESOURCE (core group) or on "*"
  objects.py same-groups A B            the PrometheusRules in A and B have
                                        equal spec.groups
  objects.py rules-file FILE OUT        write FILE's PrometheusRule spec as a
                                        Prometheus rules file (JSON is YAML)
  objects.py same-crds CHART SOURCE KEEP
                                        the chart's CRDs have the specs of the
                                        CRDs in SOURCE, and the keep annotation
                                        iff KEEP is "true"
  objects.py same-dashboard CHART DASHBOARD
                                        the only ConfigMap in CHART holds the
                                        JSON of file DASHBOARD under key
                                        certstore-operator.json
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


def role_id(o):
    """'Role/NS/NAME' or 'ClusterRole/NAME'."""
    md = o["metadata"]
    if o["kind"] == "ClusterRole":
        return "ClusterRole/" + md["name"]
    return "%s/%s/%s" % (o["kind"], md.get("namespace", ""), md["name"])


def same_rbac(chart, deploy, deploy_path, sa, specs):
    want = dict(spec.split("=", 1) for spec in specs)
    roles = {role_id(o): o for o in chart if o.get("kind") in ("Role", "ClusterRole")}
    if sorted(roles) != sorted(want):
        fail("the chart renders roles %s, want %s" % (sorted(roles), sorted(want)))
    for rid, source in sorted(want.items()):
        rules = deploy.get(source, {}).get("rules")
        if not rules:
            fail("%s has no ClusterRole %s with rules" % (deploy_path, source))
        if roles[rid].get("rules") != rules:
            fail("the chart's %s rules differ from ClusterRole %s in %s:\n"
                 "chart:  %s\nsource: %s" % (rid, source, deploy_path,
                                             json.dumps(roles[rid].get("rules")),
                                             json.dumps(rules)))
    sa_ns, sa_name = sa.split("/", 1)
    bound = []
    for b in (o for o in chart if o.get("kind") in ("RoleBinding", "ClusterRoleBinding")):
        ref, md = b["roleRef"], b["metadata"]
        if ref["kind"] == "ClusterRole":
            rid = "ClusterRole/" + ref["name"]
        else:
            rid = "Role/%s/%s" % (md.get("namespace", ""), ref["name"])
        if b["kind"] == "ClusterRoleBinding" and ref["kind"] != "ClusterRole":
            fail("ClusterRoleBinding %s refers to a %s" % (md["name"], ref["kind"]))
        if b["kind"] == "RoleBinding" and ref["kind"] == "ClusterRole":
            fail("RoleBinding %s/%s binds ClusterRole %s: the chart binds Roles"
                 % (md.get("namespace"), md["name"], ref["name"]))
        if rid not in roles:
            fail("%s %s binds %s, which the chart does not render" % (b["kind"], md["name"], rid))
        subjects = [(s.get("kind"), s.get("namespace"), s.get("name")) for s in b.get("subjects", [])]
        if subjects != [("ServiceAccount", sa_ns, sa_name)]:
            fail("%s %s binds %s, want only ServiceAccount %s" % (b["kind"], md["name"], subjects, sa))
        bound.append(rid)
    if sorted(bound) != sorted(roles):
        fail("bindings bind %s, want each of %s once" % (sorted(bound), sorted(roles)))
    for rid, source in sorted(want.items()):
        print("  %s rules == deploy/rbac ClusterRole %s (%d rules), bound to %s"
              % (rid, source, len(roles[rid]["rules"]), sa))


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
        same_rbac(load(args[0]), by_name(load(args[1]), "ClusterRole"), args[1],
                  args[2], args[3:])
    elif cmd == "no-cluster-rights":
        for role in (o for o in load(args[0]) if o.get("kind") == "ClusterRole"):
            for rule in role.get("rules", []):
                hit = set(rule.get("resources", [])) & (set(args[1:]) | {"*"})
                if hit and set(rule.get("apiGroups", [])) & {"", "*"}:
                    fail("ClusterRole %s grants %s on %s cluster-wide" % (
                        role["metadata"]["name"], rule.get("verbs"), sorted(hit)))
            print("  ClusterRole %s: nothing on %s" % (
                role["metadata"]["name"], ", ".join(args[1:])))
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
    elif cmd == "same-dashboard":
        cm = only(load(args[0]), "ConfigMap", args[0])
        text = cm.get("data", {}).get("certstore-operator.json")
        if text is None:
            fail("ConfigMap %s has no key certstore-operator.json" % cm["metadata"]["name"])
        with open(args[1]) as f:
            want = json.load(f)
        if json.loads(text) != want:
            fail("ConfigMap %s: the dashboard differs from %s" % (cm["metadata"]["name"], args[1]))
        print("  ConfigMap %s: certstore-operator.json == %s (%d panels)" % (
            cm["metadata"]["name"], args[1], len(want.get("panels", []))))
    else:
        fail("unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv)
