$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Remove-NetFirewallRule -DisplayName 'swarmbook 2377/tcp'
New-NetFirewallRule -DisplayName 'swarmbook 2377/tcp' -Direction Inbound -Action Allow -Protocol TCP -LocalPort '2377' | Out-Null
New-NetFirewallRule -DisplayName 'swarmbook 7946/udp' -Direction Inbound -Action Allow -Protocol UDP -LocalPort '7946' -Description 'swarm gossip' | Out-Null
New-NetFirewallRule -DisplayName 'swarmbook esp from 10.0.0.0/8' -Direction Inbound -Action Allow -Protocol 50 -RemoteAddress '10.0.0.0/8' | Out-Null
New-NetFirewallRule -DisplayName 'swarmbook 8000-8010/tcp' -Direction Inbound -Action Allow -Protocol TCP -LocalPort '8000-8010' -Description 'a b c (touch /tmp/pwn) d e; env:X ‘‘x’’' | Out-Null
