import type { DragEvent } from 'react';
import { openFiles } from '../client/app-actions';
import { BackendBadge } from './BackendBadge';
import { ErrorBanner } from './ErrorBanner';
import { DatasetPanel } from './dataset/DatasetPanel';
import { ModelPanel } from './model/ModelPanel';
import { SettingsForm } from './training/SettingsForm';
import { TrainingControls } from './training/TrainingControls';
import { ChartsPanel } from './charts/ChartsPanel';
import { ExportPanel } from './export/ExportPanel';
import { SamplesPanel } from './samples/SamplesPanel';
import { LabellingPanel } from './labelling/LabellingPanel';
import { MappingDialog } from './dataset/MappingDialog';

/** Layout only. Files dropped anywhere are handled, so a missed drop never navigates away. */
export function App() {
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    void openFiles(Array.from(event.dataTransfer.files));
  };
  return (
    <div className="app" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
      <header className="app-header">
        <h1>DPO Studio</h1>
        <p className="tagline">Direct Preference Optimization in your browser. Nothing leaves this machine.</p>
        <BackendBadge />
      </header>
      <ErrorBanner />
      <MappingDialog />
      <main className="app-main">
        <aside className="sidebar">
          <DatasetPanel />
          <LabellingPanel />
          <ModelPanel />
          <SettingsForm />
        </aside>
        <section className="workspace" aria-label="Training">
          <TrainingControls />
          <ChartsPanel />
          <SamplesPanel />
          <ExportPanel />
        </section>
      </main>
    </div>
  );
}
