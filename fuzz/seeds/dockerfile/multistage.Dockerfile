# syntax=docker/dockerfile:1
# escape=\
ARG VERSION=1
FROM alpine:3.19 AS build
ARG TOKEN
ENV PATH=/opt/bin:$PATH HOME=/home/app
RUN addgroup -g 3001 app && adduser -D -u 3000 -G app app \
    && mkdir -p /data && chown app:app /data
WORKDIR ${HOME:-/root}
COPY --chown=app:app . /src/
COPY <<EOT /etc/app.conf
key=${VERSION}
EOT
USER app
FROM build
USER 1000:1000
VOLUME ["/data", "/cache"]
HEALTHCHECK CMD ["true"]
ENTRYPOINT ["/bin/sh", "-c"]
CMD exec app --port ${PORT:?need a port}
