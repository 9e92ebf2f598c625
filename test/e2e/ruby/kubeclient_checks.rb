# Checks run by test/e2e/ruby-kubeclient.test.ts with Debian's ruby-kubeclient against a kit
# server: `ruby kubeclient_checks.rb CHECK`; env KIT_URL, KIT_TOKEN, KIT_CA. Prints ok or fails.
require 'kubeclient'

def expect(cond, what)
  raise "expectation failed: #{what}" unless cond
end

def client
  Kubeclient::Client.new(
    "#{ENV.fetch('KIT_URL')}/apis/demo.example.com", 'v1',
    ssl_options: { ca_file: ENV.fetch('KIT_CA'), verify_ssl: OpenSSL::SSL::VERIFY_PEER },
    auth_options: { bearer_token: ENV.fetch('KIT_TOKEN') }
  )
end

def widget(name, labels = {}, replicas = 1)
  Kubeclient::Resource.new(apiVersion: 'demo.example.com/v1', kind: 'Widget',
                           metadata: { name: name, namespace: 'default', labels: labels },
                           spec: { color: 'green', replicas: replicas })
end

def crud
  c = client
  created = c.create_widget(widget('rb-crud'))
  expect(created.metadata.uid, 'uid')
  got = c.get_widget('rb-crud', 'default')
  got.spec.color = 'red'
  expect(c.update_widget(got).spec.color == 'red', 'update')
  stale = begin
    c.update_widget(got)
    nil
  rescue Kubeclient::HttpError => e
    e.error_code
  end
  expect(stale == 409, "stale update 409: #{stale.inspect}")
  # patch_* is a strategic merge patch: 415 for a custom resource, as in Kubernetes.
  smp = begin
    c.patch_widget('rb-crud', { spec: { replicas: 4 } }, 'default')
    nil
  rescue Kubeclient::HttpError => e
    e.error_code
  end
  expect(smp == 415, "strategic merge patch 415: #{smp.inspect}")
  c.merge_patch_widget('rb-crud', { spec: { replicas: 4 } }, 'default')
  expect(c.get_widget('rb-crud', 'default').spec.replicas == 4, 'merge patch')
  c.create_widget(widget('rb-other', { 'set' => 'rb' }))
  list = c.get_widgets(namespace: 'default', label_selector: 'set=rb')
  expect(list.map { |w| w.metadata.name } == ['rb-other'], 'label selector')
  expect(list.resourceVersion.to_s != '', 'list resourceVersion')
  c.delete_widget('rb-crud', 'default')
  gone = begin
    c.get_widget('rb-crud', 'default')
    nil
  rescue Kubeclient::ResourceNotFoundError => e
    e.error_code
  end
  expect(gone == 404, 'deleted')
end

def watch
  c = client
  rv = c.get_widgets(namespace: 'default').resourceVersion
  c.create_widget(widget('rb-watch'))
  c.merge_patch_widget('rb-watch', { spec: { replicas: 2 } }, 'default')
  seen = []
  # kubeclient 4 watches through the legacy /watch/ paths.
  watcher = c.watch_widgets(namespace: 'default', resource_version: rv)
  watcher.each do |notice|
    seen << [notice.type, notice.object.spec.replicas]
    break if seen.size == 2
  end
  watcher.finish
  expect(seen == [['ADDED', 1], ['MODIFIED', 2]], "events: #{seen.inspect}")
  # name: watches one object, at /watch/namespaces/default/widgets/rb-watch.
  single = c.watch_widgets(name: 'rb-watch', namespace: 'default', resource_version: c.get_widget('rb-watch', 'default').metadata.resourceVersion)
  Thread.new { sleep 0.3; client.merge_patch_widget('rb-watch', { spec: { replicas: 3 } }, 'default') }
  single.each do |notice|
    expect(notice.type == 'MODIFIED' && notice.object.spec.replicas == 3, "single watch: #{notice.type}")
    break
  end
  single.finish
end

send(ARGV[0])
puts 'ok'
