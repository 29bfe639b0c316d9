#!/usr/bin/env bash
# Removes what the real node leaves on the host once its processes are stopped: the containers (by their cgroups),
# containerd's shims (by the socket of this state directory), the mounts under the state directory, the /kubepods
# cgroups, the bridge, libcni's cached results, kube-proxy's and the kubelet's nftables tables and chains, and
# ip_forward as it was.
# Usage: real-node-down.sh STATE_DIR. down.sh calls it; up.sh calls it before taking the node, for a crashed run.
set -euo pipefail
dir="$(realpath -m "$1")"
node="$dir/node"

cgroups() { find /sys/fs/cgroup/*/kubepods -depth -type d 2>/dev/null || true; }

# Containers first: nothing may keep a mount or a cgroup busy.
for cgroup in $(cgroups); do
  xargs -r kill -KILL <"$cgroup/cgroup.procs" 2>/dev/null || true
done
for proc in /proc/[0-9]*; do
  if { tr '\0' ' ' <"$proc/cmdline"; } 2>/dev/null | grep -qF -- "-address $node/containerd/containerd.sock "; then
    kill -KILL "${proc#/proc/}" 2>/dev/null || true
  fi
done
for _ in $(seq 1 50); do
  busy=0
  for cgroup in $(cgroups); do [ -s "$cgroup/cgroup.procs" ] && busy=1; done
  [ $busy = 0 ] && break
  sleep 0.1
done

# Deepest first; mountinfo escapes spaces as \040, which no path of ours has.
awk -v prefix="$dir/" 'index($5, prefix) == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r mount; do
  umount "$mount" 2>/dev/null || umount -l "$mount"
done
for cgroup in $(cgroups); do rmdir "$cgroup"; done

ip link show ks0 >/dev/null 2>&1 && ip link delete ks0
# libcni's cache of this network's results (containerd 1.6 cannot move it): the entries of our sandboxes only.
for result in /var/lib/cni/results/keyservice-*-eth0; do
  [ -e "$result" ] || continue
  sandbox=${result#/var/lib/cni/results/keyservice-}
  rm -f "$result" "/var/lib/cni/results/cni-loopback-${sandbox%-eth0}-lo"
done
rmdir /var/lib/cni/results /var/lib/cni 2>/dev/null || true
# kube-proxy's tables, and the iptables tables (nft backend) the kubelet made for its KUBE-FIREWALL and canary
# chains: whole tables when they did not exist before the node started, else only the kubelet's chains.
for family in ip ip6; do
  for table in kube-proxy filter nat mangle; do
    nft list table "$family" "$table" >/dev/null 2>&1 || continue
    [ "$table" = kube-proxy ] || [ -f "$dir/nft-tables-before" ] || continue
    if [ "$table" = kube-proxy ] || ! grep -qx "table $family $table" "$dir/nft-tables-before" 2>/dev/null; then
      nft delete table "$family" "$table"
    else
      iptables=iptables && [ "$family" = ip6 ] && iptables=ip6tables
      for hook in INPUT OUTPUT; do "$iptables" -t "$table" -D "$hook" -j KUBE-FIREWALL 2>/dev/null || true; done
      for chain in KUBE-FIREWALL KUBE-KUBELET-CANARY KUBE-IPTABLES-HINT; do
        "$iptables" -t "$table" -F "$chain" 2>/dev/null && "$iptables" -t "$table" -X "$chain"
      done
    fi
  done
done
if [ -f "$dir/ip-forward" ]; then
  cat "$dir/ip-forward" >/proc/sys/net/ipv4/ip_forward
  rm -f "$dir/ip-forward"
fi
