"""Checks run by test/e2e/python-client.test.ts with Debian's python3-kubernetes against a kit
server: `python3 client_checks.py CHECK`; env KIT_URL, KIT_TOKEN, KIT_CA. Exits non-zero with
the reason on the first failed expectation."""
import os
import sys
import threading

from kubernetes import client, dynamic, watch
from kubernetes.client.rest import ApiException

G, V, NS, P = "demo.example.com", "v1", "default", "widgets"


def api_client():
    c = client.Configuration()
    c.host = os.environ["KIT_URL"]
    c.ssl_ca_cert = os.environ["KIT_CA"]
    c.api_key = {"authorization": "Bearer " + os.environ["KIT_TOKEN"]}
    return client.ApiClient(c)


co = client.CustomObjectsApi(api_client())


def widget(name, labels=None, color="green", replicas=1):
    return {"apiVersion": G + "/" + V, "kind": "Widget",
            "metadata": {"name": name, "labels": labels or {}}, "spec": {"color": color, "replicas": replicas}}


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def status_of(fn):
    try:
        fn()
    except ApiException as e:
        return e.status
    return 200


def crud():
    created = co.create_namespaced_custom_object(G, V, NS, P, widget("py-crud"))
    expect(created["metadata"]["uid"], "uid set")
    got = co.get_namespaced_custom_object(G, V, NS, P, "py-crud")
    got["spec"]["color"] = "red"
    replaced = co.replace_namespaced_custom_object(G, V, NS, P, "py-crud", got)
    expect(replaced["spec"]["color"] == "red", "replaced")
    # A stale resourceVersion conflicts.
    got["spec"]["color"] = "blue"
    expect(status_of(lambda: co.replace_namespaced_custom_object(G, V, NS, P, "py-crud", got)) == 409, "409 on stale RV")
    expect(status_of(lambda: co.create_namespaced_custom_object(G, V, NS, P, widget("py-crud"))) == 409, "409 on existing name")
    # This client sends patch_* bodies as merge patches.
    p1 = co.patch_namespaced_custom_object(G, V, NS, P, "py-crud", {"spec": {"replicas": 3}})
    expect(p1["spec"]["replicas"] == 3, "merge patch")
    # status and scale subresources
    st = co.patch_namespaced_custom_object_status(G, V, NS, P, "py-crud", {"status": {"observedGeneration": 1}})
    expect(st["spec"]["replicas"] == 3, "status patch keeps spec")
    sc = co.get_namespaced_custom_object_scale(G, V, NS, P, "py-crud")
    expect(sc["kind"] == "Scale" and sc["spec"]["replicas"] == 3, "scale read: %r" % sc)
    co.patch_namespaced_custom_object_scale(G, V, NS, P, "py-crud", {"spec": {"replicas": 6}})
    expect(co.get_namespaced_custom_object(G, V, NS, P, "py-crud")["spec"]["replicas"] == 6, "scaled")
    co.delete_namespaced_custom_object(G, V, NS, P, "py-crud")
    expect(status_of(lambda: co.get_namespaced_custom_object(G, V, NS, P, "py-crud")) == 404, "deleted")


def selectors_and_paging():
    for i in range(7):
        co.create_namespaced_custom_object(G, V, NS, P, widget("py-page-%d" % i, {"set": "paging", "odd": str(i % 2)}))
    odd = co.list_namespaced_custom_object(G, V, NS, P, label_selector="set=paging,odd=1")
    expect(sorted(i["metadata"]["name"] for i in odd["items"]) == ["py-page-1", "py-page-3", "py-page-5"], "label selector")
    byname = co.list_namespaced_custom_object(G, V, NS, P, field_selector="metadata.name=py-page-2")
    expect([i["metadata"]["name"] for i in byname["items"]] == ["py-page-2"], "field selector")
    names, token = [], None
    while True:
        page = co.list_namespaced_custom_object(G, V, NS, P, label_selector="set=paging", limit=3, _continue=token)
        names += [i["metadata"]["name"] for i in page["items"]]
        token = page["metadata"].get("continue")
        if not token:
            break
    expect(names == ["py-page-%d" % i for i in range(7)], "pages: %r" % names)


def dynamic_client():
    dyn = dynamic.DynamicClient(api_client())
    widgets = dyn.resources.get(api_version=G + "/" + V, kind="Widget")
    expect(widgets.namespaced and widgets.name == "widgets", "discovered Widget")
    dyn.create(widgets, body=widget("py-dyn"), namespace=NS)
    got = dyn.get(widgets, name="py-dyn", namespace=NS)
    expect(got.spec.color == "green", "dynamic get")
    dyn.patch(widgets, name="py-dyn", namespace=NS, body={"spec": {"color": "blue"}}, content_type="application/merge-patch+json")
    expect(dyn.get(widgets, name="py-dyn", namespace=NS).spec.color == "blue", "dynamic patch")
    listed = dyn.get(widgets, namespace=NS)
    expect("py-dyn" in [i.metadata.name for i in listed.items], "dynamic list")
    dyn.delete(widgets, name="py-dyn", namespace=NS)


def watch_resume():
    old_rv = co.list_namespaced_custom_object(G, V, NS, P)["metadata"]["resourceVersion"]
    co.create_namespaced_custom_object(G, V, NS, P, widget("py-watch"))
    for i in range(60):  # past the server's history of 50 changes
        co.patch_namespaced_custom_object(G, V, NS, P, "py-watch", {"metadata": {"labels": {"n": str(i)}}})
    rv = co.list_namespaced_custom_object(G, V, NS, P)["metadata"]["resourceVersion"]
    co.patch_namespaced_custom_object(G, V, NS, P, "py-watch", {"spec": {"replicas": 2}})
    co.patch_namespaced_custom_object(G, V, NS, P, "py-watch", {"spec": {"replicas": 3}})
    w = watch.Watch()
    seen = []
    for ev in w.stream(co.list_namespaced_custom_object, G, V, NS, P, resource_version=rv, timeout_seconds=5):
        seen.append((ev["type"], ev["object"]["spec"]["replicas"]))
        if len(seen) == 2:
            w.stop()
    expect(seen == [("MODIFIED", 2), ("MODIFIED", 3)], "events after rv: %r" % seen)
    # From a resourceVersion long compacted: one ERROR event with the 410 Status, or ApiException 410.
    expired = None
    try:
        for ev in watch.Watch().stream(co.list_namespaced_custom_object, G, V, NS, P, resource_version=old_rv, timeout_seconds=5):
            if ev["type"] == "ERROR":
                expired = ev["raw_object"]["code"]
                break
    except ApiException as e:
        expired = e.status
    expect(expired == 410, "410 from an expired resourceVersion: %r" % expired)


def informer():
    """list + watch under 200 concurrent writes; re-list on 410; ends equal to a final list."""
    store, lock = {}, threading.Lock()
    done = threading.Event()

    def writer(k):
        for i in range(50):
            name = "py-inf-%d-%d" % (k, i % 10)
            try:
                co.create_namespaced_custom_object(G, V, NS, P, widget(name, {"set": "inf"}, replicas=i))
            except ApiException as e:
                if e.status != 409:
                    raise
                if i % 3 == 0:
                    co.delete_namespaced_custom_object(G, V, NS, P, name)
                else:
                    co.patch_namespaced_custom_object(G, V, NS, P, name, {"spec": {"replicas": i}})

    def run():
        rv = None
        while not done.is_set() or rv is None:
            if rv is None:
                lst = co.list_namespaced_custom_object(G, V, NS, P, label_selector="set=inf")
                with lock:
                    store.clear()
                    for o in lst["items"]:
                        store[o["metadata"]["name"]] = o["metadata"]["resourceVersion"]
                rv = lst["metadata"]["resourceVersion"]
            try:
                for ev in watch.Watch().stream(co.list_namespaced_custom_object, G, V, NS, P, label_selector="set=inf",
                                               resource_version=rv, timeout_seconds=1):
                    o = ev["object"]
                    if ev["type"] == "ERROR":
                        rv = None
                        break
                    with lock:
                        if ev["type"] == "DELETED":
                            store.pop(o["metadata"]["name"], None)
                        else:
                            store[o["metadata"]["name"]] = o["metadata"]["resourceVersion"]
                    rv = o["metadata"]["resourceVersion"]
            except ApiException as e:
                if e.status != 410:
                    raise
                rv = None
        state["rv"] = rv

    state = {}
    t = threading.Thread(target=run)
    t.start()
    writers = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for x in writers:
        x.start()
    for x in writers:
        x.join()
    final = co.list_namespaced_custom_object(G, V, NS, P, label_selector="set=inf")
    want = {o["metadata"]["name"]: o["metadata"]["resourceVersion"] for o in final["items"]}
    # Caught up when the store holds the final list.
    import time
    deadline = time.time() + 15
    while time.time() < deadline:
        with lock:
            if store == want:
                break
        time.sleep(0.05)
    done.set()
    t.join()
    expect(store == want, "informer store != final list: %d vs %d" % (len(store), len(want)))


if __name__ == "__main__":
    globals()[sys.argv[1]]()
    print("ok")
