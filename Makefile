# swarmbook — build, test, lab and benchmarks.
#
#   make demo   converge the six-node swarm lab and run its smoketests
#   make test   unit, integration, differential and lab tests (what CI runs)

SHELL      := /bin/bash
GO         ?= go
BIN        := bin/swarmbook
VERSION    ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS    := -s -w -X main.version=$(VERSION)
GOFLAGS    ?=
export PATH := $(PATH):/usr/local/go/bin
export CGO_ENABLED := 0

.PHONY: build test unit integration wintest lab-dockerd lab-image lab-test lab-up lab-down demo bench bench-quick clean deps fmt vet

build: $(BIN)

$(BIN): $(shell find . -name '*.go' -not -path './.git/*') go.mod go.sum
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/swarmbook

## deps: install the Debian packages the tests and the lab need (root).
deps:
	./scripts/deps.sh

## unit: fast tests, no external peers.
unit:
	$(GO) test -count=1 -short ./...

## test: everything — unit, real sshd, differential against ansible-playbook, lab cycle.
## Installs what it needs first (scripts/deps.sh, as root) and starts dockerd.
test: deps build vet lab-image
	$(GO) test -count=1 -timeout 40m ./...
	$(MAKE) lab-test

## integration: the tests that need real peers (sshd, containers, ansible-playbook, the WinRM test server).
integration: build
	$(GO) test -count=1 -timeout 30m ./sshtest/ ./systest/ ./difftest/ ./runner/transport/... ./modules/system/

## wintest: the opt-in real-Windows module suite (skipped, naming its variables, without SWARMBOOK_WINRM_* / SWARMBOOK_WINSSH_*).
wintest:
	$(GO) test -count=1 -v ./wintest/

vet:
	$(GO) vet ./...

fmt:
	gofmt -l -w .

## lab-dockerd: start the host dockerd the lab runs on (no-op when one answers).
lab-dockerd:
	@molecule-test/dockerd.sh status >/dev/null 2>&1 || molecule-test/dockerd.sh start

## lab-image: build (or reuse) the node images from Debian packages, no registry.
lab-image: lab-dockerd
	molecule-test/image/build.sh all

## lab-test: the lab cycle — scenarios, the swarm playbook, ansible-playbook side by side.
## The lab tests run one package at a time: the lab network is fixed.
lab-test: build lab-image
	$(GO) test -count=1 -p 1 -timeout 45m -tags lab ./molecule-test/ ./modules/swarm/

## lab-up: install what the lab needs, start dockerd, build the image, boot the six machines.
lab-up: deps build lab-image
	$(BIN) lab up

lab-down: build
	$(BIN) lab down

## demo: lab up, converge playbooks/swarm.yml, then its smoketests.
demo: lab-up
	$(BIN) run playbooks/swarm.yml -i molecule-test/hosts.ini
	$(BIN) run playbooks/swarm.yml -i molecule-test/hosts.ini --tags test

bench: build
	$(GO) run ./bench -mode full

bench-quick: build
	$(GO) run ./bench -mode quick

clean:
	rm -rf bin difftest/.results
