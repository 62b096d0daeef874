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

.PHONY: build test unit integration difftest lab-test lab-up lab-down demo bench bench-quick clean deps fmt vet

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
test: build vet
	$(GO) test -count=1 -timeout 40m ./...
	@if [ -d lab ]; then $(MAKE) lab-test; fi

## integration: the tests that need real peers (sshd, ansible-playbook).
integration: build
	$(GO) test -count=1 -run 'Integration|Diff|SSH' ./...

vet:
	$(GO) vet ./...

fmt:
	gofmt -l -w .

lab-test: build
	$(GO) test -count=1 -timeout 30m -tags lab ./lab/...

lab-up: build
	./scripts/lab-prereqs.sh
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
