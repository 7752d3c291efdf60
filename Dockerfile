# The tracker image: built with Maven (the Makefile's build command), run on a slim JRE 17 as a non-root user.
#   docker build -t tracker .          (make docker-build)
#   docker run -p 8080:8080 -v tracker-data:/data tracker
# scripts/lint.sh checks that the build command and JAVA_OPTS below are the Makefile's.

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# Dependencies first, in their own layer: a source change does not download the world again.
COPY pom.xml ./
COPY tracker-core/pom.xml tracker-core/
COPY tracker-backends/pom.xml tracker-backends/
COPY tracker-server/pom.xml tracker-server/
COPY tracker-bench/pom.xml tracker-bench/
RUN mvn -B -q dependency:go-offline || true
COPY tracker-core tracker-core
COPY tracker-backends tracker-backends
COPY tracker-server tracker-server
COPY tracker-bench tracker-bench
COPY schema schema
# build: the Makefile's `$(MVN) -DskipTests package`
RUN mvn -B -q -DskipTests package

FROM eclipse-temurin:17-jre
# curl for the health check; a system user that owns nothing but /data.
RUN apt-get update && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system tracker && useradd --system --gid tracker --home-dir /app --shell /usr/sbin/nologin tracker \
    && mkdir -p /data && chown tracker:tracker /data
WORKDIR /app
COPY --from=build /src/tracker-server/target/tracker.jar /app/tracker.jar
COPY config.json /app/config.json
COPY schema /app/schema
COPY public /app/public
COPY entrypoint.sh /app/entrypoint.sh
# The JVM flags of `make run`.
ENV JAVA_OPTS="-Xms256m -Xmx288m -XX:+UseG1GC -XX:MaxDirectMemorySize=32m -XX:ReservedCodeCacheSize=48m -Xss512k -XX:+ExitOnOutOfMemoryError" \
    TRACKER_STORAGE_DATA_DIR=/data \
    TRACKER_CONFIG=/app/config.json
VOLUME ["/data"]
EXPOSE 8080 8443
USER tracker
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD curl -fsS "http://127.0.0.1:${TRACKER_SERVER_PORT:-${PORT:-8080}}/health" || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/entrypoint.sh"]
