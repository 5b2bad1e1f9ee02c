FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
# A CJK font from Debian: the report charts (matplotlib) draw Chinese labels with it.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*
# The runtime dependencies only (not the dev extra: no test runner, linters or browsers in the image).
COPY pyproject.toml constraints.txt ./
COPY . .
RUN pip install -c constraints.txt -e . \
    && DEBUG=true python manage.py collectstatic --noinput
RUN useradd --create-home --uid 10001 retail && mkdir -p /app/media && chown retail /app/media
USER retail
EXPOSE 8000
CMD ["gunicorn", "retail.wsgi"]
